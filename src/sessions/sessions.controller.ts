import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiGatewayTimeoutResponse, ApiNotFoundResponse,
  ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { QueuedDto, QueuedSendMessageDto } from '../send-queue/send-queue.dto.js';
import { OptionalObjectBodyPipe } from '../common/optional-object-body.pipe.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import {
  CreatedMessageDto, CreatedSessionDto, CreateMessageDto, CreateSessionDto, DeletedDto, mapSession, PairingCodeDto, PairingCodeRequestDto,
  SendMessageDto, SendMessageResultDto, UpdateSessionDto,
  SessionEnvelopeDto, SessionListDto, SessionQrDto,
} from './session.dto.js';
import { SessionsService } from './sessions.service.js';

const SessionId = () => Param('id', new ParseUUIDPipe());

@ApiTags('sessions')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @ApiOperation({ summary: 'Start a new session (seed 002); QR and status then arrive over Socket.io and GET /sessions/:id/qr' })
  @ApiBody({ type: CreateSessionDto, required: false, description: 'Optional; absent or {} is the usual call' })
  @ApiCreatedResponse({ type: CreatedSessionDto })
  @ApiBadRequestResponse({ description: 'The body is not a JSON object, or has unknown fields' })
  @ApiConflictResponse({ description: 'SESSION_LIMIT_REACHED: the tenant already has MAX_SESSIONS_PER_TENANT sessions that are not final' })
  async create(@CurrentAuth() auth: AuthContext, @Body(OptionalObjectBodyPipe) body?: CreateSessionDto): Promise<CreatedSessionDto> {
    const row = await this.sessions.create(auth, undefined, undefined, body?.proxy ?? null);
    // Seed 002's answer, plus the proxy (without credentials) when the session has one.
    const proxy = mapSession(row).proxy;
    return { id: row.id, status: row.status, createdAt: row.createdAt.toISOString(), ...(proxy ? { proxy } : {}) };
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's sessions (admins: all)" })
  @ApiOkResponse({ type: SessionListDto })
  async list(@CurrentAuth() auth: AuthContext): Promise<SessionListDto> {
    return { success: true, data: (await this.sessions.list(auth)).map(mapSession) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One session and its status' })
  @ApiOkResponse({ type: SessionEnvelopeDto })
  @ApiNotFoundResponse({ description: 'No such session in your tenant' })
  async get(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<SessionEnvelopeDto> {
    return { success: true, data: mapSession(await this.sessions.get(auth, id)) };
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a session's settings: pacing (CONTRACT.md Part 3) and its proxy (applied at the next connect: restart the session to apply it now)" })
  @ApiOkResponse({ type: SessionEnvelopeDto })
  @ApiBadRequestResponse({ description: 'A malformed proxy URL, maxIntervalMs below minIntervalMs, or unknown fields' })
  @ApiNotFoundResponse({ description: 'No such session in your tenant' })
  async update(@CurrentAuth() auth: AuthContext, @SessionId() id: string, @Body() body: UpdateSessionDto): Promise<SessionEnvelopeDto> {
    return { success: true, data: mapSession(await this.sessions.update(auth, id, body)) };
  }

  @Get(':id/qr')
  @ApiOperation({ summary: 'The current QR of a session waiting for a scan' })
  @ApiOkResponse({ type: SessionQrDto })
  @ApiConflictResponse({ description: 'The session has no QR (already connected, ended, or not yet generated)' })
  async qr(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<SessionQrDto> {
    const qr = await this.sessions.getQr(auth, id);
    return { success: true, sessionId: id, status: qr.status as SessionQrDto['status'], qr: qr.qr, qrText: qr.qrText, expiresAt: qr.expiresAt?.toISOString() ?? null };
  }

  @Post(':id/pairing-code')
  @HttpCode(200)
  @ApiOperation({ summary: 'A pairing code to enter on the phone instead of scanning the QR (session waiting for a scan)' })
  @ApiOkResponse({ type: PairingCodeDto })
  @ApiBadRequestResponse({ description: 'phoneNumber is not 6 to 15 digits' })
  @ApiNotFoundResponse({ description: 'No such session in your tenant' })
  @ApiConflictResponse({ description: 'The session is not waiting for a scan' })
  @ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
  async pairingCode(@CurrentAuth() auth: AuthContext, @SessionId() id: string, @Body() body: PairingCodeRequestDto): Promise<PairingCodeDto> {
    return { success: true, code: await this.sessions.requestPairingCode(auth, id, body.phoneNumber) };
  }

  @Post(':id/send-message')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a text (seed 001: { number, message })' })
  @Idempotent()
  @ApiOkResponse({ type: SendMessageResultDto })
  @ApiAcceptedResponse({ type: QueuedSendMessageDto, description: 'A paced session: queued' })
  @ApiBadRequestResponse({ description: 'Invalid number or message' })
  @ApiConflictResponse({ description: 'SESSION_NOT_CONNECTED' })
  @ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
  async sendMessage(
    @CurrentAuth() auth: AuthContext, @SessionId() id: string, @Body() body: SendMessageDto, @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SendMessageResultDto | QueuedSendMessageDto> {
    const sent = await this.sessions.sendText(auth, id, body.number, body.message);
    if ('status' in sent) {
      void reply.status(HttpStatus.ACCEPTED);
      return { success: true, ...sent };
    }
    return { success: true, data: sent };
  }

  @Post(':id/messages')
  @ApiOperation({ summary: 'Send a text (seed 002: { to, text })' })
  @Idempotent()
  @ApiCreatedResponse({ type: CreatedMessageDto })
  @ApiAcceptedResponse({ type: QueuedDto, description: 'A paced session: queued' })
  @ApiBadRequestResponse({ description: 'Invalid recipient or text' })
  @ApiConflictResponse({ description: 'SESSION_NOT_CONNECTED' })
  async createMessage(
    @CurrentAuth() auth: AuthContext, @SessionId() id: string, @Body() body: CreateMessageDto, @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedMessageDto | QueuedDto> {
    const sent = await this.sessions.sendText(auth, id, body.to, body.text);
    if ('status' in sent) {
      void reply.status(HttpStatus.ACCEPTED);
      return sent;
    }
    return { id: sent.messageId, remoteJid: sent.to, status: 'sent', timestamp: sent.timestamp };
  }

  @Post(':id/restart')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close the socket and connect again with the saved credentials' })
  @ApiOkResponse({ type: SessionEnvelopeDto })
  async restart(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<SessionEnvelopeDto> {
    return { success: true, data: mapSession(await this.sessions.restart(auth, id)) };
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disconnect and keep the credentials (not restored at boot until restarted)' })
  @ApiOkResponse({ type: SessionEnvelopeDto })
  async stop(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<SessionEnvelopeDto> {
    return { success: true, data: mapSession(await this.sessions.stop(auth, id)) };
  }

  @Post(':id/logout')
  @HttpCode(200)
  @ApiOperation({ summary: "Unlink the device from the phone and wipe the session's credentials and messages" })
  @ApiOkResponse({ type: SessionEnvelopeDto })
  async logout(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<SessionEnvelopeDto> {
    return { success: true, data: mapSession(await this.sessions.logout(auth, id)) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Log out (when connected) and delete the session with all its data' })
  @ApiOkResponse({ type: DeletedDto })
  async delete(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<DeletedDto> {
    await this.sessions.delete(auth, id);
    return { success: true, message: 'Session deleted' };
  }
}
