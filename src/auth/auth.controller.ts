import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentAuth, Public, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AcceptedDto, EmailOnlyDto, LoginDto, LoginResponseDto, PasswordResetConfirmDto, RefreshDto, RefreshResponseDto } from './dto/auth.dto.js';
import { ApiErrors } from './dto/api-error.dto.js';
import { LoginService } from './login.service.js';
import { PasswordResetService } from './password-reset.service.js';
import { clearRefreshCookie, readRefreshToken, REFRESH_COOKIE, setRefreshCookie } from './refresh-cookie.js';
import { UserAccountsService } from './user-accounts.service.js';

const ACCEPTED: AcceptedDto = { accepted: true, message: 'If the address is registered, a mail is on its way.' };

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly login: LoginService,
    private readonly accounts: UserAccountsService,
    private readonly passwordReset: PasswordResetService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Log in with e-mail and password',
    description: `Returns a short-lived access token and sets the refresh token as an httpOnly cookie \`${REFRESH_COOKIE}\` (path /auth). ` +
      'Failed logins are throttled per account and per IP (429 with Retry-After).',
  })
  @ApiOkResponse({ type: LoginResponseDto, headers: { 'Set-Cookie': { description: `${REFRESH_COOKIE}=<token>; HttpOnly; SameSite=Lax; Path=/auth`, schema: { type: 'string' } } } })
  @ApiErrors(400, [401, 'Wrong e-mail or password'], [403, 'EMAIL_NOT_VERIFIED: AUTH_REQUIRE_VERIFIED_EMAIL is on and the address is not verified'], 429)
  async logIn(@Body() dto: LoginDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoginResponseDto> {
    const session = await this.login.login(dto, req.ip);
    setRefreshCookie(reply, session.refreshToken, session.refreshExpiresAt, this.config);
    return session.body;
  }

  @Post('refresh')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Rotate the refresh token and get a new access token',
    description: `Reads the httpOnly \`${REFRESH_COOKIE}\` cookie (path /auth), or \`refreshToken\` in the body.` +
      ' The presented token is spent; a new one is set as the cookie ' +
      '(and returned in the body when it came in the body). Presenting an already-rotated token revokes its whole family.',
  })
  @ApiBody({ type: RefreshDto, required: false })
  @ApiOkResponse({ type: RefreshResponseDto })
  @ApiErrors(400, [401, 'Missing, invalid, expired, revoked or reused refresh token'], [403, 'The cookie came from a page on another origin not listed in CORS_ORIGINS'])
  async refresh(@Body() dto: RefreshDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<RefreshResponseDto> {
    const session = await this.login.refresh(readRefreshToken(req, dto.refreshToken, this.config));
    setRefreshCookie(reply, session.refreshToken, session.refreshExpiresAt, this.config);
    return dto.refreshToken ? { ...session.body, refreshToken: session.refreshToken } : session.body;
  }

  @Post('logout')
  @Public()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Log out this login: revokes the refresh token family and clears the cookie',
    description: `The refresh token comes from the \`${REFRESH_COOKIE}\` cookie or \`refreshToken\` in the body; no access token needed.` })
  @ApiBody({ type: RefreshDto, required: false })
  @ApiNoContentResponse({ description: 'Logged out (also when the token was already invalid)' })
  @ApiErrors(400, [403, 'The cookie came from a page on another origin not listed in CORS_ORIGINS'])
  async logOut(@Body() dto: RefreshDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.login.logout(readRefreshToken(req, dto.refreshToken, this.config));
    clearRefreshCookie(reply, this.config);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiSecurity(API_KEY_SCHEME)
  @ApiOperation({ summary: 'Log out everywhere: revokes every refresh token of the user', description: 'Access tokens issued before it are refused from then on (401), and the Socket.io, `/ws/sessions` and SSE connections they opened are closed within a second.' })
  @ApiNoContentResponse({ description: 'All refresh tokens revoked' })
  @ApiErrors(401)
  async logOutAll(@CurrentAuth() auth: AuthContext, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.login.logoutAll(auth);
    clearRefreshCookie(reply, this.config);
  }

  @Post('resend-verification')
  @Public()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Send the verification mail again', description: 'Always 202: the answer does not reveal whether the address is registered.' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiErrors(400)
  async resendVerification(@Body() dto: EmailOnlyDto): Promise<AcceptedDto> {
    await this.accounts.resendVerification(dto.email);
    return ACCEPTED;
  }

  @Post('password-reset')
  @Public()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Ask for a password reset mail', description: 'Always 202: the answer does not reveal whether the address is registered.' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiErrors(400)
  async requestPasswordReset(@Body() dto: EmailOnlyDto): Promise<AcceptedDto> {
    await this.passwordReset.request(dto.email);
    return ACCEPTED;
  }

  @Post('password-reset/confirm')
  @Public()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Set a new password with the token from the reset mail', description: 'The token is single-use and expires (EMAIL_TOKEN_TTL_SECONDS). Every refresh token of the user is revoked; its access tokens issued before it are refused and the connections they opened are closed within a second.' })
  @ApiNoContentResponse({ description: 'Password changed' })
  @ApiErrors([400, 'Invalid input, or an invalid, used or expired token'])
  async confirmPasswordReset(@Body() dto: PasswordResetConfirmDto): Promise<void> {
    await this.passwordReset.confirm(dto.token, dto.password);
  }
}
