/**
 * One client WebSocket: Noise handshake, framing, encrypted nodes both ways, and the connection's
 * login state. What to answer is decided by the host (the simulator); this class only moves nodes.
 * Per-connection state is deliberately small (1,000 idle connections must stay cheap).
 */
import type { WebSocket } from 'ws';
import { proto } from '@whiskeysockets/baileys';
import { decodeNode, encodeNode, type BinaryNode } from './binary.js';
import { faultNodes } from './faults.js';
import { FrameReader, frame, NoiseServerHandshake, type NoiseTransport } from './noise.js';
import type { DeviceRecord } from './registry.js';
import type { CloseReason, SimLogger } from './types.js';

/** Registration data a new companion sent in its ClientPayload (`devicePairingData`). */
export interface RegistrationData {
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: { id: number; public: Buffer; signature: Buffer };
}

export interface ConnectionHost {
  readonly logger: SimLogger;
  readonly staticKey: { private: Buffer; public: Buffer };
  readonly certChain: Buffer;
  /**
   * Whether a client announcing `version` (its ClientPayload's app version, `a.b.c`) may log in or
   * register; WhatsApp ends an outdated one with `<failure reason="405">`.
   */
  acceptsClientVersion(version: string): boolean;
  onRegistration(conn: SimConnection): void;
  onLogin(conn: SimConnection, username: string, deviceId: number): void;
  onNode(conn: SimConnection, node: BinaryNode): void;
  onClose(conn: SimConnection, reason: CloseReason): void;
}

type Phase = 'hello' | 'finish' | 'transport' | 'closed';

let nextConnectionId = 1;

export class SimConnection {
  readonly id = nextConnectionId++;
  /** The WhatsApp Web version the client announced (`a.b.c`), once its payload arrived. */
  clientVersion?: string;
  private phase: Phase = 'hello';
  private handshake: NoiseServerHandshake | null;
  private transport: NoiseTransport | null = null;
  private readonly reader = new FrameReader();
  private sawHeader = false;
  private closeReason: CloseReason = 'client';
  private killTimer: NodeJS.Timeout | undefined;

  /** The client's static Noise key. */
  clientStatic: Buffer | undefined;
  registration: RegistrationData | undefined;
  refs: string[] | undefined;
  /** Set once the login was accepted. */
  device: DeviceRecord | undefined;
  /** Fault: behave like a dead link (answer nothing, send nothing). */
  silent = false;
  offlineSent = false;
  /** Serialises async work (message decryption) in arrival order. */
  chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ws: WebSocket,
    private readonly host: ConnectionHost,
  ) {
    this.handshake = new NoiseServerHandshake(host.staticKey, host.certChain);
    ws.on('message', (data: Buffer) => this.onData(data));
    ws.on('close', () => this.finish());
    ws.on('error', (err) => {
      host.logger.debug({ err, conn: this.id }, 'simulator websocket error');
    });
  }

  get isOpen(): boolean {
    return this.phase !== 'closed';
  }

  get phoneNumber(): string | undefined {
    return this.device?.phoneNumber;
  }

  private onData(data: Buffer): void {
    if (this.phase === 'closed' || this.silent) return;
    let buf = data;
    if (!this.sawHeader) {
      // 'WA' + version + dict version; an 'ED' routing prefix is not used by a loopback client.
      if (buf.length < 4 || buf[0] !== 0x57 || buf[1] !== 0x41) {
        this.kill('server');
        return;
      }
      this.sawHeader = true;
      buf = buf.subarray(4);
    }
    try {
      for (const f of this.reader.push(buf)) this.onFrame(f);
    } catch (err) {
      this.host.logger.warn({ err, conn: this.id }, 'simulator dropped a connection after a bad frame');
      this.kill('server');
    }
  }

  private onFrame(f: Buffer): void {
    switch (this.phase) {
      case 'hello': {
        const hello = this.handshake!.serverHello(f);
        this.phase = 'finish';
        this.sendRaw(hello);
        return;
      }
      case 'finish': {
        const { clientStatic, payload, transport } = this.handshake!.clientFinish(f);
        this.handshake = null;
        this.transport = transport;
        this.clientStatic = clientStatic;
        this.phase = 'transport';
        this.onClientPayload(payload);
        return;
      }
      case 'transport': {
        const plain = this.transport!.decrypt(f);
        this.host.onNode(this, decodeNode(plain));
        return;
      }
      case 'closed':
        return;
    }
  }

  private onClientPayload(payload: proto.ClientPayload): void {
    const v = payload.userAgent?.appVersion;
    this.clientVersion = `${v?.primary ?? 0}.${v?.secondary ?? 0}.${v?.tertiary ?? 0}`;
    if (!this.host.acceptsClientVersion(this.clientVersion)) {
      this.endWith(faultNodes.failure(405), 'failure');
      return;
    }
    const reg = payload.devicePairingData;
    if (reg?.eIdent && reg.eRegid && reg.eSkeyId && reg.eSkeyVal && reg.eSkeySig) {
      this.registration = {
        registrationId: Buffer.from(reg.eRegid).readUInt32BE(0),
        identityKey: Buffer.from(reg.eIdent),
        signedPreKey: {
          id: Buffer.from(reg.eSkeyId).readUIntBE(0, 3),
          public: Buffer.from(reg.eSkeyVal),
          signature: Buffer.from(reg.eSkeySig),
        },
      };
      this.host.onRegistration(this);
      return;
    }
    const username = payload.username;
    if (username === null || username === undefined) {
      this.kill('server');
      return;
    }
    this.host.onLogin(this, username.toString(), payload.device ?? 0);
  }

  /** Encrypts and sends one node (dropped while the connection is silent or closed). */
  send(n: BinaryNode): void {
    if (this.phase !== 'transport' || this.silent) return;
    this.sendRaw(this.transport!.encrypt(encodeNode(n)));
  }

  private sendRaw(body: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame(body));
  }

  /**
   * Sends a final node (stream error, failure) and lets the client close the socket itself, so the
   * client sees the node before the close. The socket is terminated if the client lingers.
   */
  endWith(n: BinaryNode | undefined, reason: CloseReason, graceMs = 5_000): void {
    if (this.phase === 'closed') return;
    this.closeReason = reason;
    if (n) this.send(n);
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => this.kill(reason), graceMs);
    this.killTimer.unref();
  }

  /** Closes the socket now (the client sees 428 connectionClosed). */
  kill(reason: CloseReason): void {
    if (this.phase === 'closed') return;
    this.closeReason = reason;
    this.ws.terminate();
    this.finish();
  }

  private finish(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.killTimer);
    this.handshake = null;
    this.transport = null;
    this.host.onClose(this, this.closeReason);
  }
}
