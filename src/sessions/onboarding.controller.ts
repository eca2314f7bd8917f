import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiGatewayTimeoutResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { DownloadMediaDto, DownloadMediaResultDto, GenerateQrDto } from './session.dto.js';
import { SessionsService } from './sessions.service.js';
import { RouteConfig } from '@nestjs/platform-fastify';
import { NO_HEAD } from '../common/http-hardening.js';

@ApiTags('sessions')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@Controller()
export class OnboardingController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('generate-qr')
  @RouteConfig(NO_HEAD)
  @ApiOperation({ summary: 'Create a session and answer with its first QR (seed 001)' })
  @ApiOkResponse({ type: GenerateQrDto })
  @ApiGatewayTimeoutResponse({ description: 'WhatsApp did not provide a QR in time' })
  async generateQr(@CurrentAuth() auth: AuthContext): Promise<GenerateQrDto> {
    const { session, qr, qrText } = await this.sessions.createAndWaitForQr(auth);
    return { success: true, sessionId: session.id, qr, qrText, message: 'QR generado. Escanea con WhatsApp para conectar.' };
  }

  @Get('config/download-media')
  @ApiTags('config')
  @ApiOperation({ summary: "Whether media of the tenant's sessions is downloaded automatically" })
  @ApiOkResponse({ type: DownloadMediaResultDto })
  async getDownloadMedia(@CurrentAuth() auth: AuthContext): Promise<DownloadMediaResultDto> {
    return { success: true, enabled: await this.sessions.getDownloadMedia(auth) };
  }

  @Post('config/download-media')
  @HttpCode(200)
  @ApiTags('config')
  @ApiOperation({ summary: 'Turn automatic media download on or off for the tenant (persisted; seed 001)' })
  @ApiOkResponse({ type: DownloadMediaResultDto })
  async setDownloadMedia(@CurrentAuth() auth: AuthContext, @Body() body: DownloadMediaDto): Promise<DownloadMediaResultDto> {
    return { success: true, enabled: await this.sessions.setDownloadMedia(auth, body.enabled) };
  }
}
