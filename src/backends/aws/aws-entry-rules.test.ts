import { describe, expect, it } from 'vitest';
import { filtersFor } from './aws-entry-rules.js';

describe('aws listing filters', () => {
  it('a scope name prefix is sent alone; its tags are checked on each listed entry instead', () => {
    expect(filtersFor({ namePrefix: 'zenml/global/', metadata: { zenml_scope: 'global' } })).toEqual([
      { Key: 'name', Values: ['zenml/global/'] },
    ]);
  });

  it('without a name prefix the tags are the filters (scope none: no zenml_scope tag)', () => {
    expect(filtersFor({ withoutMetadataKey: 'zenml_scope' })).toEqual([
      { Key: 'tag-key', Values: ['!zenml_scope'] },
    ]);
    expect(filtersFor({ metadata: { zenml_scope: 'global' } })).toEqual([
      { Key: 'tag-key', Values: ['zenml_scope'] },
      { Key: 'tag-value', Values: ['global'] },
    ]);
  });

  it('a prefix AWS cannot filter on falls back to the tag filters', () => {
    expect(filtersFor({ namePrefix: '!odd/', metadata: { zenml_scope: 'global' } })).toEqual([
      { Key: 'tag-key', Values: ['zenml_scope'] },
      { Key: 'tag-value', Values: ['global'] },
    ]);
  });
});
