import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { ContactPhonePipe } from './contact-phone.pipe.js';
import { ContactActionResultDto } from './sandbox-contacts.dto.js';
import { CallDto, CallStartedDto, CallsDto, DeclareContactDto, DeclaredContactDto, VoteDto } from './sandbox-kinds.dto.js';
import { SandboxContactKindsService } from './sandbox-contact-kinds.service.js';

const ContactPhone = () => Param('phoneNumber', ContactPhonePipe);
const PHONE_PARAM = { name: 'phoneNumber', example: '5491199998888', description: "The contact's number (created on first use)" };

/** Declared contacts, poll votes and calls of simulated contacts (sandbox mode only). */
@ApiTags('sandbox')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiConflictResponse({ description: 'PHONE_IN_USE: the number belongs to another tenant; or the simulator refused (unknown poll or option)' })
@Controller('sandbox/contacts')
export class SandboxContactKindsController {
  constructor(private readonly kinds: SandboxContactKindsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Declares a contact that exists on WhatsApp, with its push name, about text and profile picture',
    description: "Number checks (Baileys' onWhatsApp) say `exists` for it; numbers never declared (nor written to, nor used by a contact) are not on WhatsApp. Its about text and picture answer fetchStatus and profilePictureUrl.",
  })
  @ApiOkResponse({ type: DeclaredContactDto })
  async declare(@CurrentAuth() auth: AuthContext, @Body() body: DeclareContactDto): Promise<DeclaredContactDto> {
    return { success: true, ...(await this.kinds.declare(auth, body)) };
  }

  @Post(':phoneNumber/votes')
  @HttpCode(200)
  @ApiParam(PHONE_PARAM)
  @ApiOperation({
    summary: "The contact votes on a poll (the session's or its own): an encrypted pollUpdateMessage",
    description: 'Encrypted with the poll\'s messageSecret; creator and voter jids as the chat is addressed (PN by default, both LIDs with `addressing: "lid"`). `options: []` withdraws the vote.',
  })
  @ApiOkResponse({ type: ContactActionResultDto })
  @ApiNotFoundResponse({ description: 'No connected session of the caller has that number' })
  async vote(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string, @Body() body: VoteDto): Promise<ContactActionResultDto> {
    return { success: true, ...(await this.kinds.vote(auth, from, body)) };
  }

  @Post(':phoneNumber/calls')
  @HttpCode(200)
  @ApiParam(PHONE_PARAM)
  @ApiOperation({
    summary: 'The contact calls the session (voice or video): Baileys emits `call` with status offer',
    description: 'It rings `ringSeconds` (default 45), then times out (`call` status timeout and a missed-call message) unless the session rejects it (rejectCall).',
  })
  @ApiOkResponse({ type: CallStartedDto })
  @ApiNotFoundResponse({ description: 'No connected session of the caller has that number' })
  async call(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string, @Body() body: CallDto): Promise<CallStartedDto> {
    return { success: true, ...(await this.kinds.call(auth, from, body)) };
  }

  @Get(':phoneNumber/calls')
  @ApiParam(PHONE_PARAM)
  @ApiOperation({ summary: "The contact's calls to the caller's sessions as the caller saw them: ringing, rejected, timeout, ended" })
  @ApiOkResponse({ type: CallsDto })
  async calls(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string): Promise<CallsDto> {
    return { success: true, data: await this.kinds.calls(auth, from) };
  }
}
