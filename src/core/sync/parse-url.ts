/**
 * The parts of an absolute URL that sync origins are compared by, read with the WHATWG URL parser, as
 * browsers and a Content-Security-Policy read them: `https://Sync.Example.com:443/` has the origin
 * `https://sync.example.com`.
 */

// The WHATWG URL class is there in Node, pages and workers alike; the core's tsconfig declares nothing
// beyond the language, so the part of it used here is declared for this module only.
declare const URL: new (input: string) => ParsedUrl;

export interface ParsedUrl {
  readonly origin: string;
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}

/** `text` parsed as an absolute URL, or null when it is none. */
export function parseUrl(text: string): ParsedUrl | null {
  try {
    return new URL(text.trim());
  } catch {
    return null;
  }
}
