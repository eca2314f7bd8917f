import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, IsString, IsUUID, Length, Matches, MaxLength, MinLength, Validate, ValidateIf, ValidateNested } from 'class-validator';
import { PacingDto } from '../send-queue/pacing.dto.js';
import { redactProxyUrl } from '../whatsapp/proxy-url.js';
import { PROXY_DESCRIPTION, ProxyUrlConstraint } from './session-proxy.dto.js';
import { SESSION_STATUSES, type AccountType, type SessionStatus } from '../events/event-map.js';
import type { SessionEntity } from './session.entity.js';

const EXAMPLE_ID = '4b1a9c08-6b70-4c1c-9d5b-2b7d8fd5b901';
const PHONE_PATTERN = /^\+?[\d\s\-()]{6,24}$/;
const MAX_TEXT = 65_536;

export class SessionDto {
  @ApiProperty({ example: EXAMPLE_ID }) id: string;
  @ApiProperty({ example: '9e3a5b9c-56b9-4b8d-9e2b-5c3a1f4b9a12' }) tenantId: string;
  @ApiProperty({ enum: SESSION_STATUSES, example: 'connected' }) status: SessionStatus;
  @ApiProperty({ nullable: true, example: '5491123456789', description: 'Digits only' }) phone: string | null;
  @ApiProperty({ nullable: true, example: 'Juan Perez' }) deviceName: string | null;
  @ApiProperty({ nullable: true, enum: ['personal', 'business'], example: 'personal' }) accountType: AccountType | null;
  @ApiProperty({ nullable: true, example: '5491123456789:12@s.whatsapp.net' }) whatsappUserId: string | null;
  @ApiProperty({ nullable: true, description: 'Current QR as a PNG data URL while waiting for a scan' }) qr: string | null;
  @ApiProperty({ nullable: true, example: '2026-01-01T00:01:00.000Z' }) qrExpiresAt: string | null;
  @ApiProperty({ nullable: true, example: '2026-01-01T00:02:00.000Z' }) connectedAt: string | null;
  @ApiProperty({ nullable: true, example: null }) disconnectedAt: string | null;
  @ApiProperty({ nullable: true, example: null, description: 'e.g. stopped, logged_out, qr_expired, max_retries_reached, connection_replaced, proxy_error (the session\'s proxy refused)' })
  disconnectedReason: string | null;
  @ApiProperty({ nullable: true, example: null, description: "WhatsApp's last close code" }) lastStatusCode: number | null;
  @ApiProperty({ nullable: true, example: 'socks5://proxy.example.com:1080', description: "The session's own proxy, without credentials (null: WA_PROXY_URL, if set, else direct)" })
  proxy: string | null;
  @ApiProperty({ type: PacingDto, nullable: true, description: 'Paced sends (PATCH /sessions/:id); null sends at once' }) pacing: PacingDto | null;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-01-01T00:02:00.000Z' }) updatedAt: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function mapSession(row: SessionEntity): SessionDto {
  return {
    id: row.id,
    tenantId: row.tenantId,
    status: row.status,
    phone: row.phone,
    deviceName: row.deviceName,
    accountType: row.accountType,
    whatsappUserId: row.whatsappUserId,
    qr: row.qrDataUrl,
    qrExpiresAt: iso(row.qrExpiresAt),
    connectedAt: iso(row.connectedAt),
    disconnectedAt: iso(row.disconnectedAt),
    disconnectedReason: row.disconnectedReason,
    lastStatusCode: row.lastStatusCode,
    proxy: row.proxyUrl ? redactProxyUrl(row.proxyUrl) : null,
    pacing: row.pacing ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export class SessionEnvelopeDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: SessionDto }) data: SessionDto;
}

export class SessionListDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: [SessionDto] }) data: SessionDto[];
}

/**
 * `POST /sessions` body: optional. Absent or `{}` starts a session for the caller; anything that is
 * not a JSON object, or has other fields, is a 400.
 */
export class CreateSessionDto {
  @ApiPropertyOptional({
    format: 'uuid',
    example: '3f0c4f5e-8a47-4c53-9a3b-0f4a1a2b3c4d',
    description: 'With a service key (x-api-key) only: the user the session is created for, when x-user-id is not sent (seed 000)',
  })
  @IsOptional() @IsUUID('all', { message: 'userId must be a UUID' })
  userId?: string;

  @ApiPropertyOptional({ example: 'http://user:secret@proxy.example.com:3128', description: "The session's proxy: http://, https:// or socks5:// URL, credentials allowed (never shown back). Unset: WA_PROXY_URL, if set" })
  @IsOptional() @Validate(ProxyUrlConstraint)
  proxy?: string;
}

/** `PATCH /sessions/:id`: the session's settings; absent fields stay as they are. */
export class UpdateSessionDto {
  @ApiPropertyOptional({ type: PacingDto, nullable: true, description: 'Queue sends and pace them (202 queued); null turns pacing off (default)' })
  @ValidateIf((o: UpdateSessionDto) => o.pacing !== null) @IsOptional() @IsObject() @ValidateNested() @Type(() => PacingDto)
  pacing?: PacingDto | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'socks5://user:secret@proxy.example.com:1080', description: `${PROXY_DESCRIPTION}; null removes it` })
  @ValidateIf((o: UpdateSessionDto) => o.proxy !== undefined && o.proxy !== null) @Validate(ProxyUrlConstraint)
  proxy?: string | null;
}

export class CreatedSessionDto {
  @ApiProperty({ example: EXAMPLE_ID }) id: string;
  @ApiProperty({ enum: SESSION_STATUSES, example: 'init' }) status: SessionStatus;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) createdAt: string;
  @ApiPropertyOptional({ example: 'http://proxy.example.com:3128', description: 'The session\'s proxy, without credentials (only when it has one)' }) proxy?: string;
}

export class GenerateQrDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: EXAMPLE_ID }) sessionId: string;
  @ApiProperty({ example: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA...' }) qr: string;
  @ApiProperty({ example: '2@ABC123...', description: 'The raw string encoded in the QR' }) qrText: string;
  @ApiProperty({ example: 'QR generado. Escanea con WhatsApp para conectar.' }) message: string;
}

export class SessionQrDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: EXAMPLE_ID }) sessionId: string;
  @ApiProperty({ enum: SESSION_STATUSES, example: 'qr_required' }) status: SessionStatus;
  @ApiProperty({ example: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA...' }) qr: string;
  @ApiProperty({ example: '2@ABC123...' }) qrText: string;
  @ApiProperty({ nullable: true, example: '2026-01-01T00:01:00.000Z' }) expiresAt: string | null;
}

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** Seed 001: `{ number, message }`. */
export class SendMessageDto {
  @ApiProperty({ example: '5491234567890', description: 'Phone number with country code (digits; +, spaces and dashes are ignored)' })
  @Transform(trim) @IsString() @Matches(PHONE_PATTERN, { message: 'number must be a phone number with its country code' })
  number: string;

  @ApiProperty({ example: 'Hola desde WhatsApp!', maxLength: MAX_TEXT })
  @IsString() @MinLength(1) @MaxLength(MAX_TEXT)
  message: string;
}

/** Seed 002: `{ to, text }`. */
export class CreateMessageDto {
  @ApiProperty({ example: '5491234567890', description: 'Phone number with country code' })
  @Transform(trim) @IsString() @Matches(PHONE_PATTERN, { message: 'to must be a phone number with its country code' })
  to: string;

  @ApiProperty({ example: 'Como estas?', maxLength: MAX_TEXT })
  @IsString() @MinLength(1) @MaxLength(MAX_TEXT)
  text: string;
}

export class SentMessageDto {
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E' }) messageId: string;
  @ApiProperty({ example: '5491234567890@s.whatsapp.net' }) to: string;
  @ApiProperty({ example: 1767220050 }) timestamp: number;
}

export class SendMessageResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: SentMessageDto }) data: SentMessageDto;
}

export class CreatedMessageDto {
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E' }) id: string;
  @ApiProperty({ example: '5491234567890@s.whatsapp.net' }) remoteJid: string;
  @ApiProperty({ example: 'sent' }) status: 'sent';
  @ApiProperty({ example: 1767220050 }) timestamp: number;
}

export class DeletedDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 'Session deleted' }) message: string;
}

export class DownloadMediaDto {
  @ApiProperty({ example: true }) @IsBoolean() enabled: boolean;
}

export class DownloadMediaResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiPropertyOptional({ example: true }) enabled: boolean;
}

export class SessionIdParam {
  @ApiProperty({ example: EXAMPLE_ID }) @IsString() @Length(36, 36) @Matches(/^[0-9a-f-]{36}$/i, { message: 'id must be a UUID' })
  id: string;
}

export class PairingCodeRequestDto {
  @ApiProperty({ example: '5215512345678', description: 'The account\'s phone number: 6 to 15 digits with the country code, no "+"' })
  @IsString() @Matches(/^\d{6,15}$/, { message: 'phoneNumber must be 6 to 15 digits with the country code (no "+")' })
  phoneNumber!: string;
}

export class PairingCodeDto {
  @ApiProperty({ example: true }) success!: boolean;
  @ApiProperty({ example: 'K7M2Q9XR', description: 'Enter on the phone: Linked devices › Link with phone number' }) code!: string;
}
