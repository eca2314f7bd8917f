import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiGatewayTimeoutResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity,
  ApiTags, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { SessionQueryDto } from '../common/page-query.dto.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { BlocklistDto, BlockStatusDto } from './blocklist.dto.js';
import { BlocklistService } from './blocklist.service.js';

const JID_PARAM = { name: 'jid', description: 'Digits (5491123456789), a PN jid (…@s.whatsapp.net) or a LID jid (…@lid)', example: '5491123456789' };

@ApiTags('contacts')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@ApiBadRequestResponse({ description: 'Invalid jid (or a group); SESSION_REQUIRED when the tenant has several sessions and no sessionId' })
@ApiNotFoundResponse({ description: 'No such session in your tenant' })
@ApiConflictResponse({ description: 'SESSION_NOT_CONNECTED' })
@ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
@Controller('contacts')
export class BlocklistController {
  constructor(private readonly blocklist: BlocklistService) {}

  @Get('blocklist')
  @ApiOperation({ summary: "The account's blocked contacts, as WhatsApp keeps them (also those blocked on the phone)" })
  @ApiOkResponse({ type: BlocklistDto })
  list(@CurrentAuth() auth: AuthContext, @Query() q: SessionQueryDto): Promise<BlocklistDto> {
    return this.blocklist.list(auth, q.sessionId);
  }

  @Post(':jid/block')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Blocks a contact on WhatsApp: its messages and calls no longer reach the account' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: BlockStatusDto })
  @ApiUnprocessableEntityResponse({ description: 'WhatsApp knows no such contact' })
  block(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto): Promise<BlockStatusDto> {
    return this.blocklist.setBlocked(auth, q.sessionId, jid, true);
  }

  @Post(':jid/unblock')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Unblocks a contact on WhatsApp' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: BlockStatusDto })
  @ApiUnprocessableEntityResponse({ description: 'WhatsApp knows no such contact' })
  unblock(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto): Promise<BlockStatusDto> {
    return this.blocklist.setBlocked(auth, q.sessionId, jid, false);
  }
}
