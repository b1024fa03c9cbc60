/**
 * Does nothing: `promise.catch(ignore)` marks a rejection that changes nothing (a body read for the
 * connection's sake, a sink's failure), so that it is never reported as unhandled.
 */
export function ignore(): void {}
