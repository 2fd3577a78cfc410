/**
 * UTF-8 response bytes → string, by the route that is fast on Node 20 for Pipedrive's bodies.
 *
 * `response.text()` and `Buffer#toString` take Node's one-shot UTF-8 path (validate, then V8's
 * UTF-8 decoder), which slows to ~130 MB/s as soon as a page holds one non-ASCII letter, as every
 * real CRM page does: 14 ms for a 1.9 MB page of 500 wide deals, twice its `JSON.parse`. A
 * TextDecoder in streaming mode goes through ICU's converter instead: 3.6–4.3 ms for the same
 * page, the same string (measured on this project's sandbox pages; see bench/README.md).
 * Invalid bytes become U+FFFD and a leading BOM is dropped, as with `text()`.
 */
export function utf8Text(bytes: Uint8Array): string {
  const decoder = new TextDecoder('utf-8');
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}
