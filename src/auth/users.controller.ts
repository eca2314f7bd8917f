import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Public, Roles, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { ApiErrors } from './dto/api-error.dto.js';
import { ListUsersQueryDto, SignUpDto, UserDto, UserListDto, VerifyEmailDto } from './dto/user.dto.js';
import type { FastifyRequest } from 'fastify';
import { SignupLimit } from './throttle/signup-limit.js';
import { UserAccountsService } from './user-accounts.service.js';
import { UserDeletionService } from './user-deletion.service.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly accounts: UserAccountsService,
    private readonly signupLimit: SignupLimit,
    private readonly deletion: UserDeletionService,
  ) {}

  @Post()
  @Public()
  @ApiOperation({
    summary: 'Sign up: creates a tenant and its first user',
    description: 'Sends a verification mail. Passwords have 10 to 128 characters. An address that already has an account is answered the same way ' +
      '(201, no account made, the owner gets a mail): the answer does not tell who is registered.',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors(400, [403, 'SIGNUP_DISABLED: SIGNUP_ENABLED=false'], [429, 'More than SIGNUP_MAX_PER_IP sign-ups from this address in SIGNUP_WINDOW_SECONDS'])
  signUp(@Body() dto: SignUpDto, @Req() req: FastifyRequest): Promise<UserDto> {
    this.signupLimit.take(req.ip);
    return this.accounts.signUp(dto);
  }

  @Post(':id/verify')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Verify the e-mail address with the token from the verification mail' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The user id (from the mail link)' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors([400, 'Invalid input, or an invalid, used or expired token'])
  verify(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: VerifyEmailDto): Promise<UserDto> {
    return this.accounts.verifyEmail(id, dto.token);
  }

  @Get('me')
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiSecurity(API_KEY_SCHEME)
  @ApiOperation({ summary: 'The authenticated user' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(401)
  me(@CurrentAuth() auth: AuthContext): Promise<UserDto> {
    return this.accounts.me(auth);
  }

  @Get()
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiSecurity(API_KEY_SCHEME)
  @ApiOperation({ summary: 'Users of the caller’s tenant (admins: of every tenant, or of `tenantId`)' })
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(400, 401, [403, 'A user asked for another tenant'])
  list(@CurrentAuth() auth: AuthContext, @Query() query: ListUsersQueryDto): Promise<UserListDto> {
    return this.accounts.list(auth, query);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiSecurity(API_KEY_SCHEME)
  @ApiOperation({
    summary: 'Delete a user (admin, any tenant)',
    description: 'Removes the account: its row, refresh tokens and e-mail tokens (the address can sign up again). Within a second every ' +
      'Socket.io socket, `/ws/sessions` socket and SSE stream acting as the user (its access tokens, or an API key or trusted `x-user-id` ' +
      'naming it) is closed, as on any revocation, and its access tokens are refused from then on (401). API keys are the platform\'s and ' +
      'stay; they can no longer act for this user. The tenant and everything in it (WhatsApp sessions, chats, media, webhooks) stay: ' +
      'sessions keep running. The last admin cannot be deleted (409).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(
    [400, 'The id is not a UUID'],
    401,
    [403, 'The caller is not an admin'],
    [404, 'No such user'],
    [409, 'The user is the last admin'],
  )
  delete(@CurrentAuth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.deletion.delete(auth, id);
  }
}
