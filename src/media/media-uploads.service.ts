/**
 * POST /media: one multipart request (`file`, `kind`, `sessionId?`) streamed into storage while
 * it is hashed and counted. The kind is checked against the bytes (file-type), the size against
 * the kind's limit and the tenant's media quota (media-quota.ts); whatever fails leaves no object
 * behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import type { AppConfig, MediaKind } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { splitHead } from './head-split.js';
import { MediaConverter } from './media-converter.js';
import { MediaInspector } from './media-inspector.js';
import { extensionFor, isMediaKind, MEDIA_KINDS, resolveMime } from './media-kinds.js';
import { uploadKey } from './media-keys.js';
import { HEAD_BYTES, MediaMeter } from './media-meter.js';
import { MediaQuota } from './media-quota.js';
import { MediaRepository } from './media-repository.js';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.js';
import type { MediaEntity } from './media.entity.js';

interface StoredFile {
  key: string;
  size: number;
  sha256: string;
  detected: string | undefined;
  declared: string | undefined;
  fileName: string | null;
  /** More bytes came than the multipart parser's cap: the true size is unknown. */
  truncated: boolean;
}

const FIELD_LIMITS = { fields: 8, fieldSize: 1024, parts: 10 };
const FILE_NAME_MAX = 255;

@Injectable()
export class MediaUploadsService {
  private readonly largestLimit: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly repository: MediaRepository,
    private readonly inspector: MediaInspector,
    private readonly sessions: SessionsService,
    private readonly quota: MediaQuota,
    private readonly converter: MediaConverter,
  ) {
    this.largestLimit = Math.max(...Object.values(config.media.maxBytes));
  }

  async upload(auth: AuthContext, request: FastifyRequest, querySessionId?: string): Promise<MediaEntity> {
    if (!request.isMultipart()) {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'POST /media takes multipart/form-data with the fields file and kind');
    }
    if (querySessionId !== undefined) await this.sessions.get(auth, querySessionId);
    const room = await this.quota.room(auth.tenantId);
    if (room === 0) throw this.quota.exceeded(this.quota.limit);
    const id = randomUUID();
    const fields: Record<string, string> = {};
    let file: StoredFile | undefined;
    let problem: AppError | undefined;
    try {
      // A busboy limit just above the largest kind's: beyond it the rest is read and dropped.
      for await (const part of request.parts({ limits: { ...FIELD_LIMITS, fileSize: this.largestLimit + 1 } })) {
        if (part.type === 'field') {
          if (typeof part.value === 'string') fields[part.fieldname] = part.value;
          continue;
        }
        if (part.fieldname !== 'file' || file) {
          problem ??= AppError.badRequest('Send exactly one file, in the field "file"');
          await drain(part);
          continue;
        }
        file = await this.store(auth.tenantId, id, part, isMediaKind(fields.kind) ? fields.kind : undefined, room);
      }
    } catch (err) {
      if (file) await this.storage.delete(file.key);
      throw multipartError(err);
    }
    try {
      const checked = problem ?? this.check(fields, file, room);
      if (checked instanceof AppError) throw checked;
      const sessionId = await this.resolveSession(auth, fields.sessionId ?? querySessionId);
      const converted = await this.convert(auth.tenantId, id, checked.kind, checked.mime, checked.file);
      if (converted) {
        await this.storage.delete(file!.key);
        file = converted.file;
      }
      return await this.record(auth.tenantId, id, sessionId, checked.kind, converted?.mime ?? checked.mime, file!, converted?.facts);
    } catch (err) {
      if (file) await this.storage.delete(file.key);
      throw err;
    }
  }

  /**
   * A voice note not in Ogg Opus, or a sticker not a 512×512 WebP, converted (media-converter.ts)
   * and stored beside the original (which the caller deletes); undefined when it is already right.
   */
  private async convert(tenantId: string, id: string, kind: MediaKind, mime: string, file: StoredFile): Promise<{ file: StoredFile; mime: string; facts?: { durationSeconds: number; waveform: Buffer } } | undefined> {
    if (kind !== 'voice' && kind !== 'sticker') return undefined;
    if (kind === 'voice' && mime === 'audio/ogg; codecs=opus') return undefined;
    const original = await readAll(await this.storage.get(file.key));
    if (kind === 'sticker' && mime === 'image/webp') {
      const meta = await sharp(original).metadata().catch(() => undefined);
      if (meta?.width === 512 && meta.height === 512) return undefined;
    }
    const voice = kind === 'voice' ? await this.converter.toVoice(original) : undefined;
    const bytes = voice ? voice.bytes : await this.converter.toSticker(original);
    const outMime = voice ? 'audio/ogg; codecs=opus' : 'image/webp';
    const base = (file.fileName ?? kind).replace(/\.[^.]*$/, '');
    const fileName = file.fileName ? `${base}.${voice ? 'ogg' : 'webp'}` : null;
    // Never the original's key (voice.ogg in Vorbis stays voice.ogg): the original is deleted after.
    const key = uploadKey(tenantId, id, `converted-${fileName ?? `${kind}.${extensionFor(outMime)}`}`);
    await this.storage.put(key, Readable.from([bytes]), outMime);
    const stored: StoredFile = { key, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), detected: outMime, declared: outMime, fileName, truncated: false };
    return { file: stored, mime: outMime, facts: voice ? { durationSeconds: voice.durationSeconds, waveform: voice.waveform } : undefined };
  }

  /** `room`: what the quota leaves; past it (or the kind's limit) the bytes are counted, not written. */
  private async store(tenantId: string, id: string, part: MultipartFile, kind: MediaKind | undefined, room: number): Promise<StoredFile> {
    const { head, body } = await splitHead(part.file, HEAD_BYTES);
    const detected = (await fileTypeFromBuffer(head))?.mime;
    const declared = part.mimetype || undefined;
    const provisional = (kind && resolveMime(kind, detected, declared)) ?? detected ?? 'application/octet-stream';
    const fileName = part.filename ? part.filename.slice(0, FILE_NAME_MAX) : null;
    const key = uploadKey(tenantId, id, fileName ?? `${kind ?? 'file'}.${extensionFor(provisional)}`);
    const meter = new MediaMeter(Math.min(kind ? this.config.media.maxBytes[kind] : this.largestLimit, room));
    const putting = this.storage.put(key, meter, provisional);
    await Promise.all([pipeline(body, meter), putting]);
    return { key, size: meter.byteCount, sha256: meter.sha256, detected, declared, fileName, truncated: part.file.truncated };
  }

  private check(fields: Record<string, string>, file: StoredFile | undefined, room: number): AppError | { kind: MediaKind; mime: string; file: StoredFile } {
    const kind = fields.kind;
    if (kind === undefined) return AppError.badRequest('The field "kind" is required', { allowed: MEDIA_KINDS });
    if (!isMediaKind(kind)) return AppError.badRequest(`Unknown kind "${kind.slice(0, 40)}"`, { allowed: MEDIA_KINDS });
    if (!file) return AppError.badRequest('The field "file" is required');
    const limit = this.config.media.maxBytes[kind];
    if (file.truncated || file.size > limit) {
      return new AppError(413, 'PAYLOAD_TOO_LARGE', `A ${kind} may have at most ${limit} bytes`, { kind, maxBytes: limit });
    }
    if (file.size > room) return this.quota.exceeded(this.quota.limit === null ? null : this.quota.limit - room, file.size);
    if (file.size === 0) return AppError.badRequest('The file is empty');
    const mime = resolveMime(kind, file.detected, file.declared);
    if (!mime) {
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `The file is not a valid ${kind}`, { kind, detected: file.detected ?? null });
    }
    return { kind, mime, file };
  }

  /** The named session (in the caller's tenant), else the tenant's only one, else none. */
  private async resolveSession(auth: AuthContext, sessionId: string | undefined): Promise<string | null> {
    if (sessionId !== undefined) {
      if (!/^[0-9a-f-]{36}$/i.test(sessionId)) throw AppError.badRequest('sessionId must be a UUID');
      return (await this.sessions.get(auth, sessionId)).id;
    }
    const own = (await this.sessions.list(auth)).filter((s) => s.tenantId === auth.tenantId);
    if (own.length > 1) throw new AppError(400, 'SESSION_REQUIRED', 'This tenant has several sessions: name one with sessionId');
    return own[0]?.id ?? null;
  }

  private async record(tenantId: string, id: string, sessionId: string | null, kind: MediaKind, mime: string, file: StoredFile, voice?: { durationSeconds: number; waveform: Buffer }): Promise<MediaEntity> {
    const inspected = await this.inspector.inspect(kind, mime, file.size, () => this.storage.get(file.key));
    const facts = voice ? { ...inspected, durationSeconds: voice.durationSeconds } : inspected;
    return this.repository.transaction(async (manager) => {
      await this.quota.reserve(manager, tenantId, file.size);
      return this.repository.insert({
        id, tenantId, sessionId, origin: 'upload', kind, mime, state: 'stored', storageKey: file.key, size: String(file.size),
        sha256: file.sha256, fileName: file.fileName, width: facts.width, height: facts.height,
        durationSeconds: facts.durationSeconds, thumbnail: facts.thumbnail, waveform: voice?.waveform ?? null,
      }, manager);
    });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

async function drain(part: MultipartFile): Promise<void> {
  await pipeline(part.file, new Writable({ write: (_chunk, _encoding, done) => done() }));
}

/** Parser failures are the client's: a 4xx of their own, else 400. */
function multipartError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status === 406 ? 415 : status, status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 406 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST',
      (err as Error).message);
  }
  if ((err as { code?: string }).code?.startsWith('ERR_') || /multipart|boundary|form/i.test((err as Error).message ?? '')) {
    return AppError.badRequest('Malformed multipart body');
  }
  return err;
}
