/** A problem with one field of a configuration, found by a rule over several fields. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A rule over the fields of a checked configuration: the problems found (none when it holds). */
export type FieldRule = (configuration: Record<string, unknown>) => FieldProblem[];

const isGiven = (configuration: Record<string, unknown>, name: string) =>
  configuration[name] !== undefined && configuration[name] !== null && configuration[name] !== '';

const list = (names: string[]) =>
  names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/** The fields of `names` left out when only some of them are given (none when all or none are). */
export function missingFromGroup(configuration: Record<string, unknown>, names: string[]): string[] {
  const missing = names.filter((name) => !isGiven(configuration, name));
  return missing.length === names.length ? [] : missing;
}

/** Fields that go together: all of them or none; `none` says what giving none means. */
export function allOrNone(names: string[], none: string): FieldRule {
  return (configuration) => {
    const missing = missingFromGroup(configuration, names);
    const given = names.filter((name) => !missing.includes(name));
    return missing.map((field) => ({
      field,
      message: `required with ${list(given)} (give all of ${list(names)}, or none: ${none})`,
    }));
  };
}

/** `field` only together with every one of `needs`. */
export function onlyWith(field: string, needs: string[]): FieldRule {
  return (configuration) =>
    isGiven(configuration, field) && needs.some((name) => !isGiven(configuration, name))
      ? [{ field, message: `only allowed with ${list(needs)}` }]
      : [];
}

/**
 * Exactly one way of signing in, each a group of fields given in full (a partly given group is
 * left to an `allOrNone` rule). Neither, or more than one: a problem on the first field of each.
 */
export function exactlyOneOf(groups: string[][]): FieldRule {
  const names = groups.map((group) => list(group));
  return (configuration) => {
    const touched = groups.filter((group) => group.some((name) => isGiven(configuration, name)));
    if (touched.length === 1) return [];
    if (touched.length === 0)
      return [{ field: groups[0][0], message: `required: give ${names.join(', or ')}` }];
    return touched.map((group) => ({
      field: group[0],
      message: `give only one of ${names.join(', or ')}`,
    }));
  };
}
