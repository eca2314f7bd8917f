export { WhatsAppSimulator } from './simulator.js';
export { SimContact } from './contacts.js';
export { SimulatorEvents, type SimulatorEventName } from './events.js';
export { createSandboxControl, type SandboxControl, type SandboxScanRequest, type SandboxSendRequest } from './sandbox-control.js';
export type { SimulatorState } from './registry.js';
export type { KeyPair } from './certificates.js';
export type * from './types.js';
