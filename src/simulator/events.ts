/** Typed event emitter with promise helpers, so tests wait for events instead of sleeping. */
import { EventEmitter } from 'node:events';
import type { SimulatorEventMap } from './types.js';

export type SimulatorEventName = keyof SimulatorEventMap;
type Listener<K extends SimulatorEventName> = (payload: SimulatorEventMap[K]) => void;

export class SimulatorEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  on<K extends SimulatorEventName>(event: K, listener: Listener<K>): () => void {
    this.emitter.on(event, listener as (p: unknown) => void);
    return () => this.off(event, listener);
  }

  once<K extends SimulatorEventName>(event: K, listener: Listener<K>): void {
    this.emitter.once(event, listener as (p: unknown) => void);
  }

  off<K extends SimulatorEventName>(event: K, listener: Listener<K>): void {
    this.emitter.off(event, listener as (p: unknown) => void);
  }

  emit<K extends SimulatorEventName>(event: K, payload: SimulatorEventMap[K]): void {
    this.emitter.emit(event, payload);
  }

  /** Resolves with the next `event` whose payload matches `predicate`; rejects after `timeoutMs`. */
  waitFor<K extends SimulatorEventName>(
    event: K,
    predicate: (payload: SimulatorEventMap[K]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<SimulatorEventMap[K]> {
    return new Promise((resolve, reject) => {
      const listener = (payload: SimulatorEventMap[K]): void => {
        if (!predicate(payload)) return;
        cleanup();
        resolve(payload);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for simulator event '${event}'`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(event, listener);
      };
      this.on(event, listener);
    });
  }

  removeAll(): void {
    this.emitter.removeAllListeners();
  }
}
