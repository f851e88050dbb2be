/** The scheme of a URL-like text (`http://`), if it has one. */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Any URL's user-info in a text: the scheme, then everything up to the last `@` of the word. */
const USER_INFO = /([a-z][a-z0-9+.-]*:\/\/)\S*@/gi;

/**
 * A URL as the CLI may show it when it could not be parsed: without anything up to its last
 * `@` (a user name and password, `user:password@`), keeping the scheme.
 */
export function withoutUserInfoText(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  return `${SCHEME.exec(url)?.[0] ?? ''}${url.slice(at + 1)}`;
}

/** A parsed URL without its user name and password (the CLI authenticates with its token only). */
export function withoutUserInfo(url: URL): URL {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  return copy;
}

/** A text the CLI prints, with the user-info of every URL in it removed (the last safety net). */
export function redactUserInfo(text: string): string {
  return text.replace(USER_INFO, '$1');
}
