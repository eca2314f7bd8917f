/** Shared helpers for the simulator contract tests (the reusable ones live in src/simulator/testing). */
export { createMemoryAuthState, TestClient, closeCodeOf, connectAndWaitForOpen, pairAndOpen, pairNewSession } from '../../src/simulator/testing/index.js';

let counter = 0;
/** A distinct phone number per call, so tests never share an account by accident. */
export function nextPhone(prefix = '1555'): string {
  counter++;
  return `${prefix}${String(Date.now() % 1_000_000).padStart(6, '0')}${String(counter).padStart(3, '0')}`;
}
