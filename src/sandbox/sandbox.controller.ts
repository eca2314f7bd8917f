import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { MEDIA_JSON_BODY } from '../common/http-hardening.js';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { ContactPhonePipe } from './contact-phone.pipe.js';
import { ContactMessageDto, ContactMessageResultDto, SandboxActionDto, ScanDto, ScanResultDto } from './sandbox.dto.js';
import { SandboxService } from './sandbox.service.js';

const SessionId = () => Param('id', new ParseUUIDPipe());

@ApiTags('sandbox')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@Controller('sandbox')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Post('sessions/:id/scan')
  @HttpCode(200)
  @ApiOperation({ summary: "A simulated phone scans the session's current QR (pair, 515, open follow)" })
  @ApiOkResponse({ type: ScanResultDto })
  @ApiConflictResponse({ description: 'The session has no QR to scan' })
  async scan(@CurrentAuth() auth: AuthContext, @SessionId() id: string, @Body() body: ScanDto): Promise<ScanResultDto> {
    return { success: true, ...(await this.sandbox.scan(auth, id, body)) };
  }

  @Post('sessions/:id/remove-device')
  @HttpCode(200)
  @ApiOperation({ summary: "The phone unlinks the session's device (the session closes 401 and is logged out)" })
  @ApiOkResponse({ type: SandboxActionDto })
  async removeDevice(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<SandboxActionDto> {
    return { success: true, affectedConnections: await this.sandbox.removeDevice(auth, id) };
  }

  @Post('sessions/:id/replace')
  @HttpCode(200)
  @ApiOperation({ summary: 'Another client replaces the connection (the session closes 440 and reconnects)' })
  @ApiOkResponse({ type: SandboxActionDto })
  async replace(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<SandboxActionDto> {
    return { success: true, affectedConnections: await this.sandbox.replace(auth, id) };
  }

  @Post('contacts/:phoneNumber/messages')
  @HttpCode(200)
  @RouteConfig(MEDIA_JSON_BODY)
  @ApiOperation({
    summary: 'A simulated contact sends the session whose number is `to` a text (optionally with a link preview), media, a location, contact cards, a poll or an event; optionally as a reply',
    description: "Media comes base64 in `media.data`: this route's body limit is the largest MEDIA_MAX_BYTES_* base64-encoded (+64 KiB), not BODY_LIMIT_BYTES.",
  })
  @ApiParam({ name: 'phoneNumber', example: '5491199998888', description: "The contact's number (created on first use)" })
  @ApiOkResponse({ type: ContactMessageResultDto })
  async contactMessage(@CurrentAuth() auth: AuthContext, @Param('phoneNumber', ContactPhonePipe) from: string, @Body() body: ContactMessageDto): Promise<ContactMessageResultDto> {
    return { success: true, ...(await this.sandbox.contactSends(auth, from, body)) };
  }
}
