import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiGatewayTimeoutResponse, ApiNotFoundResponse, ApiOkResponse,
  ApiOperation, ApiParam, ApiSecurity, ApiServiceUnavailableResponse, ApiTags, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { QueuedDto } from '../send-queue/send-queue.dto.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { ChatCommandsService } from './chat-commands.service.js';
import { ChatMediaService } from './chat-media.service.js';
import { ChatsReadService } from './chats-read.service.js';
import {
  ChangedMessageDto, ChatPageDto, EditMessageDto, MessagePageDto, OkDto, PageQueryDto, PresenceDto, ReactDto, ReadMessagesDto, ReadResultDto, ReceiptListDto,
  SendChatMessageDto, SentChatMessageDto, SessionQueryDto,
} from './chats.dto.js';
import { MessageIdPipe } from './message-id.pipe.js';
import { PollVoteDto } from './send-kinds.dto.js';

const JID_PARAM = { name: 'jid', description: 'Digits (5491123456789), a PN jid (…@s.whatsapp.net), a LID jid (…@lid) or a group jid', example: '5491123456789' };
const MESSAGE_PARAM = { name: 'messageId', description: "WhatsApp's message id", example: '3EB0C431C26A1916F4A8' };

@ApiTags('chats')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@ApiBadRequestResponse({ description: 'Invalid jid, id, cursor or body; SESSION_REQUIRED when the tenant has several sessions and no sessionId' })
@ApiNotFoundResponse({ description: 'No such session, chat or message in your tenant' })
@Controller('chats')
export class ChatsController {
  constructor(
    private readonly reads: ChatsReadService,
    private readonly commands: ChatCommandsService,
    private readonly media: ChatMediaService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Chats, newest activity first (cursor pagination)' })
  @ApiOkResponse({ type: ChatPageDto })
  list(@CurrentAuth() auth: AuthContext, @Query() q: PageQueryDto): Promise<ChatPageDto> {
    return this.reads.chats(auth, q);
  }

  @Get(':jid/messages')
  @ApiOperation({ summary: "A chat's messages, newest first (keyset on timestamp and id; `nextCursor` pages back)" })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: MessagePageDto })
  messages(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: PageQueryDto): Promise<MessagePageDto> {
    return this.reads.messages(auth, jid, q);
  }

  @Get(':jid/messages/:messageId/receipts')
  @ApiOperation({ summary: 'Per-recipient receipts of a message: each group member (or the 1:1 contact), delivered / read / played, and when' })
  @ApiParam(JID_PARAM)
  @ApiParam(MESSAGE_PARAM)
  @ApiOkResponse({ type: ReceiptListDto })
  receipts(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Param('messageId', MessageIdPipe) messageId: string, @Query() q: SessionQueryDto): Promise<ReceiptListDto> {
    return this.reads.receipts(auth, q.sessionId, jid, messageId);
  }

  @Post(':jid/messages')
  @ApiOperation({
    summary: 'Send a text, a reply (replyToMessageId), a forward (forwardMessageId), an uploaded file (mediaId, with content as its caption), a location, contact cards or a poll',
    description: 'Exactly one of content, mediaId (content then is its caption), forwardMessageId, location, contacts or poll (else 400). mediaId: a POST /media upload of your tenant, sent as an image, video, audio, voice note, document (with its file name) or sticker per its kind. ' +
      '404 for an unknown mediaId, 409 while it is not stored, 400 for a caption on audio, voice notes and stickers.',
  })
  @ApiParam(JID_PARAM)
  @Idempotent()
  @ApiCreatedResponse({ type: SentChatMessageDto })
  @ApiAcceptedResponse({ type: QueuedDto, description: 'A paced session (PATCH /sessions/:id pacing): queued; session.messages.update follows with sent' })
  @ApiConflictResponse({ description: 'The session is not connected' })
  @ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
  async send(
    @CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto, @Body() body: SendChatMessageDto, @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SentChatMessageDto | QueuedDto> {
    const answer = await this.commands.send(auth, q.sessionId, jid, body);
    if (answer.status === 'queued') void reply.status(HttpStatus.ACCEPTED);
    return answer;
  }

  @Post(':jid/messages/:messageId/media')
  @HttpCode(200)
  @ApiOperation({
    summary: "Download a message's media now (automatic downloads off, or one failed) and answer the message with its media URL",
    description: 'Idempotent: media already stored is answered as is. 422 when the message carries no media; 503 when WhatsApp did not give it (details.reason).',
  })
  @ApiParam(JID_PARAM)
  @ApiParam(MESSAGE_PARAM)
  @ApiOkResponse({ type: ChangedMessageDto })
  @ApiUnprocessableEntityResponse({ description: 'The message carries no downloadable media' })
  @ApiServiceUnavailableResponse({ description: 'The download failed (the media row keeps state and reason)' })
  async downloadMedia(
    @CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Param('messageId', MessageIdPipe) messageId: string, @Query() q: SessionQueryDto,
  ): Promise<ChangedMessageDto> {
    return { success: true, data: await this.media.download(auth, q.sessionId, jid, messageId) };
  }

  @Post(':jid/read')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark messages read (sends read receipts)' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: ReadResultDto })
  @ApiConflictResponse({ description: 'The session is not connected' })
  async read(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto, @Body() body: ReadMessagesDto): Promise<ReadResultDto> {
    return { success: true, marked: await this.commands.read(auth, q.sessionId, jid, body.messageIds) };
  }

  @Post(':jid/messages/:messageId/votes')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Vote on a poll of the chat',
    description: "`options` are names of the poll's options (at most its selectable count); `[]` withdraws your vote. Answers the poll with its results; session.messages.poll follows.",
  })
  @ApiParam(JID_PARAM)
  @ApiParam(MESSAGE_PARAM)
  @ApiOkResponse({ type: ChangedMessageDto })
  @ApiUnprocessableEntityResponse({ description: 'Not a poll, or options it does not have or allow (details.reason)' })
  @ApiConflictResponse({ description: 'The session is not connected' })
  async vote(
    @CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Param('messageId', MessageIdPipe) messageId: string, @Query() q: SessionQueryDto, @Body() body: PollVoteDto,
  ): Promise<ChangedMessageDto> {
    return { success: true, data: await this.commands.vote(auth, q.sessionId, jid, messageId, body.options) };
  }

  @Patch(':jid/messages/:messageId')
  @Idempotent()
  @ApiOperation({ summary: 'Edit one of your messages' })
  @ApiParam(JID_PARAM)
  @ApiParam(MESSAGE_PARAM)
  @ApiOkResponse({ type: ChangedMessageDto })
  @ApiUnprocessableEntityResponse({ description: 'Not your message' })
  @ApiConflictResponse({ description: 'The session is not connected' })
  async edit(
    @CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Param('messageId', MessageIdPipe) messageId: string, @Query() q: SessionQueryDto, @Body() body: EditMessageDto,
  ): Promise<ChangedMessageDto> {
    return { success: true, data: await this.commands.edit(auth, q.sessionId, jid, messageId, body.content) };
  }

  @Delete(':jid/messages/:messageId')
  @Idempotent()
  @ApiOperation({ summary: 'Delete one of your messages for everyone' })
  @ApiParam(JID_PARAM)
  @ApiParam(MESSAGE_PARAM)
  @ApiOkResponse({ type: ChangedMessageDto })
  @ApiUnprocessableEntityResponse({ description: 'Not your message' })
  @ApiConflictResponse({ description: 'The session is not connected' })
  async delete(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Param('messageId', MessageIdPipe) messageId: string, @Query() q: SessionQueryDto): Promise<ChangedMessageDto> {
    return { success: true, data: await this.commands.delete(auth, q.sessionId, jid, messageId) };
  }

  @Post(':jid/messages/:messageId/reactions')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'React to a message ({ emoji }); `{ emoji: null }` removes your reaction' })
  @ApiParam(JID_PARAM)
  @ApiParam(MESSAGE_PARAM)
  @ApiOkResponse({ type: ChangedMessageDto })
  @ApiConflictResponse({ description: 'The session is not connected' })
  async react(
    @CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Param('messageId', MessageIdPipe) messageId: string, @Query() q: SessionQueryDto, @Body() body: ReactDto,
  ): Promise<ChangedMessageDto> {
    return { success: true, data: await this.commands.react(auth, q.sessionId, jid, messageId, body.emoji) };
  }

  @Post(':jid/presence')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Show typing (composing), stop it (paused), or be available in this chat' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: OkDto })
  @ApiConflictResponse({ description: 'The session is not connected' })
  async presence(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto, @Body() body: PresenceDto): Promise<OkDto> {
    await this.commands.presence(auth, q.sessionId, jid, body.presence);
    return { success: true };
  }
}
