import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiGatewayTimeoutResponse, ApiNotFoundResponse, ApiOkResponse,
  ApiOperation, ApiParam, ApiSecurity, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { GroupJidPipe, InviteCodePipe, parseInviteCode } from './group-params.js';
import { GroupsService } from './groups.service.js';
import {
  CreateGroupDto, GroupOkDto, GroupPageDto, GroupWithParticipantsDto, InviteDto, JoinedDto, JoinGroupDto, PageQueryDto, ParticipantResultsDto, ParticipantsChangeDto,
  SessionQueryDto, UpdateGroupDto,
} from './groups.dto.js';

const JID_PARAM = { name: 'jid', description: 'A group jid (…@g.us) or its digits', example: '120363041234567890@g.us' };

@ApiTags('groups')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@ApiBadRequestResponse({ description: 'Invalid jid, code, cursor or body; SESSION_REQUIRED when the tenant has several sessions and no sessionId' })
@ApiNotFoundResponse({ description: 'No such session in your tenant, or the session is not in the group' })
@Controller('groups')
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiOperation({ summary: "The session's groups, by jid (cursor pagination), from the store (refreshed from WhatsApp at connect and on every group notification)" })
  @ApiOkResponse({ type: GroupPageDto })
  list(@CurrentAuth() auth: AuthContext, @Query() q: PageQueryDto): Promise<GroupPageDto> {
    return this.groups.list(auth, q);
  }

  @Get('invites/:code')
  @ApiOperation({ summary: 'What an invite code leads to, without joining' })
  @ApiParam({ name: 'code', example: 'AbCdEfGhIjK1234567890' })
  @ApiOkResponse({ type: GroupWithParticipantsDto })
  @ApiConflictResponse({ description: 'The session is not connected' })
  inviteInfo(@CurrentAuth() auth: AuthContext, @Param('code', InviteCodePipe) code: string, @Query() q: SessionQueryDto): Promise<GroupWithParticipantsDto> {
    return this.groups.inviteInfo(auth, q.sessionId, code);
  }

  @Post('join')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Join a group by its invite code (or chat.whatsapp.com link)' })
  @ApiOkResponse({ type: JoinedDto })
  @ApiConflictResponse({ description: 'The session is not connected' })
  join(@CurrentAuth() auth: AuthContext, @Query() q: SessionQueryDto, @Body() body: JoinGroupDto): Promise<JoinedDto> {
    return this.groups.join(auth, q.sessionId, parseInviteCode(body.code));
  }

  @Get(':jid')
  @ApiOperation({ summary: 'One group with its participants (PN and LID, admin roles)' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: GroupWithParticipantsDto })
  get(@CurrentAuth() auth: AuthContext, @Param('jid', GroupJidPipe) jid: string, @Query() q: SessionQueryDto): Promise<GroupWithParticipantsDto> {
    return this.groups.get(auth, q.sessionId, jid);
  }

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a group with these participants (the session is its superadmin)' })
  @ApiCreatedResponse({ type: GroupWithParticipantsDto })
  @ApiConflictResponse({ description: 'The session is not connected' })
  @ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
  create(@CurrentAuth() auth: AuthContext, @Query() q: SessionQueryDto, @Body() body: CreateGroupDto): Promise<GroupWithParticipantsDto> {
    return this.groups.create(auth, q.sessionId, body);
  }

  @Patch(':jid')
  @Idempotent()
  @ApiOperation({ summary: 'Change the subject, description, settings (announce, restrict) or disappearing messages' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: GroupWithParticipantsDto })
  @ApiForbiddenResponse({ description: 'NOT_GROUP_ADMIN: WhatsApp requires an admin for this change' })
  @ApiConflictResponse({ description: 'The session is not connected' })
  update(@CurrentAuth() auth: AuthContext, @Param('jid', GroupJidPipe) jid: string, @Query() q: SessionQueryDto, @Body() body: UpdateGroupDto): Promise<GroupWithParticipantsDto> {
    return this.groups.update(auth, q.sessionId, jid, body);
  }

  @Post(':jid/participants')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: "Add, remove, promote or demote participants; WhatsApp's code per participant (200, 403, 404, 408, 409)" })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: ParticipantResultsDto })
  @ApiForbiddenResponse({ description: 'NOT_GROUP_ADMIN' })
  @ApiConflictResponse({ description: 'The session is not connected' })
  participants(@CurrentAuth() auth: AuthContext, @Param('jid', GroupJidPipe) jid: string, @Query() q: SessionQueryDto, @Body() body: ParticipantsChangeDto): Promise<ParticipantResultsDto> {
    return this.groups.participants(auth, q.sessionId, jid, body);
  }

  @Post(':jid/leave')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Leave the group' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: GroupOkDto })
  @ApiConflictResponse({ description: 'The session is not connected' })
  async leave(@CurrentAuth() auth: AuthContext, @Param('jid', GroupJidPipe) jid: string, @Query() q: SessionQueryDto): Promise<GroupOkDto> {
    await this.groups.leave(auth, q.sessionId, jid);
    return { success: true };
  }

  @Get(':jid/invite')
  @ApiOperation({ summary: "The group's invite code and link (admins)" })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: InviteDto })
  @ApiForbiddenResponse({ description: 'NOT_GROUP_ADMIN' })
  @ApiConflictResponse({ description: 'The session is not connected' })
  invite(@CurrentAuth() auth: AuthContext, @Param('jid', GroupJidPipe) jid: string, @Query() q: SessionQueryDto): Promise<InviteDto> {
    return this.groups.invite(auth, q.sessionId, jid, false);
  }

  @Post(':jid/invite/revoke')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke the invite link; answers the new one (admins)' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: InviteDto })
  @ApiForbiddenResponse({ description: 'NOT_GROUP_ADMIN' })
  @ApiConflictResponse({ description: 'The session is not connected' })
  revoke(@CurrentAuth() auth: AuthContext, @Param('jid', GroupJidPipe) jid: string, @Query() q: SessionQueryDto): Promise<InviteDto> {
    return this.groups.invite(auth, q.sessionId, jid, true);
  }
}
