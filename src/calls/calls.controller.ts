import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiGatewayTimeoutResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity,
  ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { SessionQueryDto } from '../common/page-query.dto.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { CallSettingsDto, CallSettingsResultDto, RejectCallDto, RejectedCallDto } from './calls.dto.js';
import { CallsService } from './calls.service.js';

@ApiTags('calls')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@Controller()
export class CallsController {
  constructor(private readonly calls: CallsService) {}

  @Post('calls/:callId/reject')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Rejects a call ringing on the session (the `id` of a `session.call` offer); the caller sees it declined' })
  @ApiParam({ name: 'callId', description: "WhatsApp's call id (hex)", example: 'A1B2C3D4E5F60718293A4B5C6D7E8F90' })
  @ApiOkResponse({ type: RejectedCallDto })
  @ApiBadRequestResponse({ description: 'Malformed call id or caller; SESSION_REQUIRED when the tenant has several sessions and no sessionId' })
  @ApiNotFoundResponse({ description: 'No such session in your tenant, or no such call ringing on it' })
  @ApiConflictResponse({ description: 'The call already ended, or SESSION_NOT_CONNECTED' })
  @ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
  reject(@CurrentAuth() auth: AuthContext, @Param('callId') callId: string, @Query() q: SessionQueryDto, @Body() body: RejectCallDto): Promise<RejectedCallDto> {
    return this.calls.reject(auth, q.sessionId, callId, body.from);
  }

  @Get('config/calls')
  @ApiTags('config')
  @ApiOperation({ summary: "The tenant's call settings (auto-reject and its answer text)" })
  @ApiOkResponse({ type: CallSettingsResultDto })
  get(@CurrentAuth() auth: AuthContext): Promise<CallSettingsResultDto> {
    return this.calls.getSettings(auth);
  }

  @Post('config/calls')
  @HttpCode(HttpStatus.OK)
  @ApiTags('config')
  @ApiOperation({ summary: "Rejects every incoming call to the tenant's sessions (or stops), optionally answering each caller with a text at most once an hour" })
  @ApiOkResponse({ type: CallSettingsResultDto })
  @ApiBadRequestResponse({ description: 'Invalid body' })
  set(@CurrentAuth() auth: AuthContext, @Body() body: CallSettingsDto): Promise<CallSettingsResultDto> {
    return this.calls.setSettings(auth, body.autoReject, body.message);
  }
}
