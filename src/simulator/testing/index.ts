export { createMemoryAuthState, type MemoryAuthState } from './auth-state.js';
export { TestClient, closeCodeOf, connectAndWaitForOpen, pairAndOpen, pairNewSession, type TestClientOptions } from './client.js';
