import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags,
} from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { MEDIA_JSON_BODY } from '../common/http-hardening.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { GroupJidPipe } from './group-jid.pipe.js';
import {
  SandboxCreateGroupDto, SandboxGroupDto, GroupInboxDto, GroupInboxQueryDto, GroupMessageDto, GroupMessageResultDto, GroupParticipantsDto, GroupParticipantsResultDto, SandboxUpdateGroupDto,
} from './sandbox-groups.dto.js';
import { SandboxGroupsService } from './sandbox-groups.service.js';

const GroupJid = () => Param('jid', GroupJidPipe);
const JID_PARAM = { name: 'jid', example: '120363123456789012@g.us', description: 'The group (its bare digits work too)' };
const NOT_OURS = "No such group with one of the caller's sessions among its members (or one of another tenant's)";
const REFUSED = 'The actor may not do that (not a member, or not an admin where admins only may)';

/** Groups played by simulated contacts with the caller's sessions (sender keys, w:gp2 notifications). */
@ApiTags('sandbox')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiBadRequestResponse({ description: 'Invalid body, jid or number (a session number where a contact must act)' })
@Controller('sandbox/groups')
export class SandboxGroupsController {
  constructor(private readonly groups: SandboxGroupsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'A simulated contact creates a group with the given members',
    description: "At least one of the caller's session numbers must be among the participants: those sessions get groups.upsert.",
  })
  @ApiOkResponse({ type: SandboxGroupDto })
  @ApiNotFoundResponse({ description: "A participant is another tenant's session number" })
  async create(@CurrentAuth() auth: AuthContext, @Body() body: SandboxCreateGroupDto): Promise<SandboxGroupDto> {
    return { success: true, ...(await this.groups.create(auth, body)) };
  }

  @Post(':jid/messages')
  @HttpCode(200)
  @RouteConfig(MEDIA_JSON_BODY)
  @ApiOperation({
    summary: 'A member writes to the group (sender keys: the SKDM first to each session device that lacks it, then skmsg)',
    description: "Media comes base64 in `media.data`: this route's body limit is the largest MEDIA_MAX_BYTES_* base64-encoded (+64 KiB).",
  })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: GroupMessageResultDto })
  @ApiNotFoundResponse({ description: NOT_OURS })
  @ApiForbiddenResponse({ description: 'The writer is not a member, or the group is announce-only and it is not an admin' })
  async send(@CurrentAuth() auth: AuthContext, @GroupJid() jid: string, @Body() body: GroupMessageDto): Promise<GroupMessageResultDto> {
    return { success: true, ...(await this.groups.send(auth, jid, body)) };
  }

  @Post(':jid/participants')
  @HttpCode(200)
  @ApiOperation({ summary: 'An admin adds, removes, promotes or demotes members: group-participants.update on the sessions', description: 'A status per participant.' })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: GroupParticipantsResultDto })
  @ApiNotFoundResponse({ description: NOT_OURS })
  @ApiForbiddenResponse({ description: REFUSED })
  async participants(@CurrentAuth() auth: AuthContext, @GroupJid() jid: string, @Body() body: GroupParticipantsDto): Promise<GroupParticipantsResultDto> {
    return { success: true, results: await this.groups.participants(auth, jid, body) };
  }

  @Patch(':jid')
  @ApiOperation({
    summary: 'A member changes the subject, description or settings: groups.update on the sessions',
    description: 'Applied in this order, one w:gp2 notification each. Baileys folds several updates of one group that arrive together into one groups.update; the stubs all arrive.',
  })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: SandboxGroupDto })
  @ApiNotFoundResponse({ description: NOT_OURS })
  @ApiForbiddenResponse({ description: REFUSED })
  async update(@CurrentAuth() auth: AuthContext, @GroupJid() jid: string, @Body() body: SandboxUpdateGroupDto): Promise<SandboxGroupDto> {
    return { success: true, ...(await this.groups.update(auth, jid, body)) };
  }

  @Get(':jid/inbox')
  @ApiOperation({ summary: "What a member's phone decrypted from the sessions in the group (text, mentions, sender) and the receipts both ways" })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: GroupInboxDto })
  @ApiNotFoundResponse({ description: NOT_OURS })
  async inbox(@CurrentAuth() auth: AuthContext, @GroupJid() jid: string, @Query() query: GroupInboxQueryDto): Promise<GroupInboxDto> {
    return { success: true, ...(await this.groups.inbox(auth, jid, query.member)) };
  }
}
