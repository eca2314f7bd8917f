import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { ContactPhonePipe } from './contact-phone.pipe.js';
import { SandboxActionDto } from './sandbox.dto.js';
import {
  ContactActionResultDto,
  ContactDoneDto,
  EditDto,
  FailNextDecryptDto,
  InboxDto,
  InboxQueryDto,
  ContactPresenceDto,
  ReactionDto,
  ReceiptsDto,
  RevokeDto,
} from './sandbox-contacts.dto.js';
import { SandboxContactsService } from './sandbox-contacts.service.js';

const ContactPhone = () => Param('phoneNumber', ContactPhonePipe);
const NOT_OURS = 'No (connected) session of the caller has that number';

/** A simulated contact acting 1:1 towards one of the caller's sessions (created on first use). */
@ApiTags('sandbox')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiParam({ name: 'phoneNumber', example: '5491199998888', description: "The contact's number (created on first use)" })
@ApiNotFoundResponse({ description: NOT_OURS })
@Controller('sandbox/contacts/:phoneNumber')
export class SandboxContactsController {
  constructor(private readonly contacts: SandboxContactsService) {}

  @Post('reactions')
  @HttpCode(200)
  @ApiOperation({ summary: 'The contact reacts to a message ("" removes the reaction): messages.reaction on the session' })
  @ApiOkResponse({ type: ContactActionResultDto })
  async react(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string, @Body() body: ReactionDto): Promise<ContactActionResultDto> {
    return { success: true, ...(await this.contacts.react(auth, from, body)) };
  }

  @Post('edits')
  @HttpCode(200)
  @ApiOperation({ summary: 'The contact edits one of its messages: messages.update with editedMessage' })
  @ApiOkResponse({ type: ContactActionResultDto })
  async edit(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string, @Body() body: EditDto): Promise<ContactActionResultDto> {
    return { success: true, ...(await this.contacts.edit(auth, from, body)) };
  }

  @Post('revokes')
  @HttpCode(200)
  @ApiOperation({ summary: 'The contact deletes one of its messages for everyone: messages.update with a REVOKE stub' })
  @ApiOkResponse({ type: ContactActionResultDto })
  async revoke(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string, @Body() body: RevokeDto): Promise<ContactActionResultDto> {
    return { success: true, ...(await this.contacts.revoke(auth, from, body)) };
  }

  @Post('receipts')
  @HttpCode(200)
  @ApiOperation({ summary: "The contact's receipt for session messages (delivered 3, read 4, played 5), several ids at once" })
  @ApiOkResponse({ type: SandboxActionDto })
  async receipts(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string, @Body() body: ReceiptsDto): Promise<SandboxActionDto> {
    return { success: true, ...(await this.contacts.receipts(auth, from, body)) };
  }

  @Post('presence')
  @HttpCode(200)
  @ApiOperation({ summary: "The contact's presence or chat state towards the session: presence.update" })
  @ApiOkResponse({ type: ContactDoneDto })
  async presence(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string, @Body() body: ContactPresenceDto): Promise<ContactDoneDto> {
    await this.contacts.presence(auth, from, body);
    return { success: true };
  }

  @Post('fail-next-decrypt')
  @HttpCode(200)
  @ApiOperation({ summary: 'The contact fails to decrypt the next message the session sends it and asks for a retry (receipt type=retry)' })
  @ApiOkResponse({ type: ContactDoneDto })
  async failNextDecrypt(@CurrentAuth() auth: AuthContext, @ContactPhone() from: string, @Body() body: FailNextDecryptDto): Promise<ContactDoneDto> {
    await this.contacts.failNextDecrypt(auth, from, body);
    return { success: true };
  }

  @Get('inbox')
  @ApiOperation({ summary: 'What the contact received from the session `from`, decoded (messages, receipts, chat states)' })
  @ApiOkResponse({ type: InboxDto })
  async inbox(@CurrentAuth() auth: AuthContext, @ContactPhone() contact: string, @Query() query: InboxQueryDto): Promise<InboxDto> {
    return { success: true, ...(await this.contacts.inbox(auth, contact, query.from)) };
  }
}
