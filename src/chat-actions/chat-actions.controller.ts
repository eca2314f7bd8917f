import { Body, Controller, Delete, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiGatewayTimeoutResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation,
  ApiParam, ApiSecurity, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { SessionQueryDto } from '../common/page-query.dto.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { ChatDto } from '../chats/chats.dto.js';
import { UpdateChatDto } from './chat-actions.dto.js';
import { ChatActionsService } from './chat-actions.service.js';

const JID_PARAM = { name: 'jid', description: 'Digits (5491123456789), a PN jid (…@s.whatsapp.net), a LID jid (…@lid) or a group jid', example: '5491123456789' };

@ApiTags('chats')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@ApiBadRequestResponse({ description: 'Invalid jid or body; SESSION_REQUIRED when the tenant has several sessions and no sessionId' })
@ApiNotFoundResponse({ description: 'No such session or chat in your tenant' })
@ApiConflictResponse({ description: 'SESSION_NOT_CONNECTED' })
@ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
@Controller('chats')
export class ChatActionsController {
  constructor(private readonly actions: ChatActionsService) {}

  @Patch(':jid')
  @ApiOperation({ summary: 'Archive, pin, mute or mark unread a chat, on WhatsApp (every device of the account) and here; announced as session.chats.update' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: ChatDto })
  update(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto, @Body() body: UpdateChatDto): Promise<ChatDto> {
    return this.actions.update(auth, q.sessionId, jid, body);
  }

  @Delete(':jid')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Deletes the chat for this account: on WhatsApp (every device) and here, with its messages' })
  @ApiParam(JID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto): Promise<void> {
    return this.actions.remove(auth, q.sessionId, jid);
  }

  @Post(':jid/presence/subscribe')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: "Subscribes to a contact's presence: it then arrives as session.presence.update (now and on every change)" })
  @ApiParam(JID_PARAM)
  @ApiNoContentResponse({ description: 'Subscribed' })
  subscribe(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto): Promise<void> {
    return this.actions.subscribePresence(auth, q.sessionId, jid);
  }
}
