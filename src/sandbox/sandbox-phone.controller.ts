import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AppError } from '../common/app-error.js';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { PairingCodeEntryDto, PairingCodeResultDto, PhoneAppStateDto, PhoneAppStateResultDto, PhoneBlockDto, PhoneBlocklistDto } from './sandbox-phone.dto.js';
import { SandboxPhoneService } from './sandbox-phone.service.js';

const SessionId = () => Param('id', new ParseUUIDPipe());

function phoneParam(raw: string): string {
  const phone = raw.replace(/[\s+\-()]/g, '');
  if (!/^\d{6,15}$/.test(phone)) throw new AppError(400, 'VALIDATION_ERROR', 'phoneNumber must be 6 to 15 digits with the country code');
  return phone;
}

@ApiTags('sandbox')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@Controller('sandbox')
export class SandboxPhoneController {
  constructor(private readonly phone: SandboxPhoneService) {}

  @Post('sessions/:id/pairing-code')
  @HttpCode(200)
  @ApiOperation({ summary: 'The simulated phone enters the pairing code the session shows (pair, 515, open follow)' })
  @ApiOkResponse({ type: PairingCodeResultDto })
  @ApiBadRequestResponse({ description: 'Not a pairing code, or the wrong one (nothing is paired)' })
  @ApiNotFoundResponse({ description: 'No such session of yours' })
  @ApiConflictResponse({ description: 'The session is not waiting for a pairing code' })
  async pairingCode(@CurrentAuth() auth: AuthContext, @SessionId() id: string, @Body() body: PairingCodeEntryDto): Promise<PairingCodeResultDto> {
    return { success: true, ...(await this.phone.enterPairingCode(auth, id, body.code)) };
  }

  @Post('phones/:phoneNumber/app-state')
  @HttpCode(200)
  @ApiOperation({ summary: "Changes on the session's phone (push name, contact names, mute, archive, pin), pushed to the session live" })
  @ApiParam({ name: 'phoneNumber', example: '5491123456789', description: "The session's number" })
  @ApiOkResponse({ type: PhoneAppStateResultDto })
  @ApiBadRequestResponse({ description: 'Invalid or empty change' })
  @ApiNotFoundResponse({ description: 'No session of yours has that number' })
  async appState(@CurrentAuth() auth: AuthContext, @Param('phoneNumber') phoneNumber: string, @Body() body: PhoneAppStateDto): Promise<PhoneAppStateResultDto> {
    return { success: true, versions: await this.phone.setAppState(auth, phoneParam(phoneNumber), body) };
  }

  @Post('phones/:phoneNumber/blocklist')
  @HttpCode(200)
  @ApiOperation({ summary: "The session's phone blocks or unblocks a contact: the account's blocklist on WhatsApp, told to every device (blocklist.update)" })
  @ApiParam({ name: 'phoneNumber', example: '5491123456789', description: "The session's number" })
  @ApiOkResponse({ type: PhoneBlocklistDto })
  @ApiBadRequestResponse({ description: 'Invalid body' })
  @ApiNotFoundResponse({ description: 'No session of yours has that number' })
  @ApiConflictResponse({ description: "PHONE_IN_USE: the contact is another tenant's number; or it is a session's number" })
  async block(@CurrentAuth() auth: AuthContext, @Param('phoneNumber') phoneNumber: string, @Body() body: PhoneBlockDto): Promise<PhoneBlocklistDto> {
    return { success: true, blocklist: await this.phone.block(auth, phoneParam(phoneNumber), body) };
  }
}
