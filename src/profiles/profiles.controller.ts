import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiGatewayTimeoutResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation,
  ApiParam, ApiSecurity, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { SessionQueryDto } from '../common/page-query.dto.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { CheckNumbersDto, ContactProfileDto, NumberChecksDto, OwnProfileDto, ProfilePictureDto, UpdateOwnProfileDto } from './profiles.dto.js';
import { ProfilesService } from './profiles.service.js';

const JID_PARAM = { name: 'jid', description: 'Digits (5491123456789), a PN jid (…@s.whatsapp.net) or a LID jid (…@lid)', example: '5491123456789' };
const SessionId = () => Param('id', new ParseUUIDPipe());

@ApiTags('contacts')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@ApiBadRequestResponse({ description: 'Invalid jid or body; SESSION_REQUIRED when the tenant has several sessions and no sessionId' })
@ApiNotFoundResponse({ description: 'No such session in your tenant' })
@ApiConflictResponse({ description: 'SESSION_NOT_CONNECTED' })
@ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
@Controller('contacts')
export class ContactProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Post('check')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Which numbers are on WhatsApp (1-50), with their jid and LID',
    description: 'Answers are reused for CONTACT_CHECK_CACHE_SECONDS; a session looks up at most CONTACT_CHECKS_PER_MINUTE uncached numbers a minute (429 with Retry-After beyond).',
  })
  @ApiOkResponse({ type: NumberChecksDto })
  @ApiTooManyRequestsResponse({ description: "The session's number-check budget is spent for now" })
  check(@CurrentAuth() auth: AuthContext, @Query() q: SessionQueryDto, @Body() body: CheckNumbersDto): Promise<NumberChecksDto> {
    return this.profiles.check(auth, q.sessionId, body.phones);
  }

  @Get(':jid/profile')
  @ApiOperation({ summary: "A contact's profile: names, about text, picture URL, business account or not" })
  @ApiParam(JID_PARAM)
  @ApiOkResponse({ type: ContactProfileDto })
  profile(@CurrentAuth() auth: AuthContext, @Param('jid') jid: string, @Query() q: SessionQueryDto): Promise<ContactProfileDto> {
    return this.profiles.contactProfile(auth, q.sessionId, jid);
  }
}

@ApiTags('sessions')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@ApiBadRequestResponse({ description: 'Invalid id or body' })
@ApiNotFoundResponse({ description: 'No such session (or media) in your tenant' })
@ApiConflictResponse({ description: 'SESSION_NOT_CONNECTED' })
@ApiGatewayTimeoutResponse({ description: 'WhatsApp did not answer in time' })
@Controller('sessions')
export class OwnProfileController {
  constructor(private readonly profiles: ProfilesService) {}

  @Get(':id/profile')
  @ApiOperation({ summary: "The account's own profile: push name, about text, picture URL" })
  @ApiOkResponse({ type: OwnProfileDto })
  get(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<OwnProfileDto> {
    return this.profiles.own(auth, id);
  }

  @Patch(':id/profile')
  @ApiOperation({ summary: "Changes the account's push name and/or about text on WhatsApp" })
  @ApiOkResponse({ type: OwnProfileDto })
  update(@CurrentAuth() auth: AuthContext, @SessionId() id: string, @Body() body: UpdateOwnProfileDto): Promise<OwnProfileDto> {
    return this.profiles.update(auth, id, body);
  }

  @Put(':id/profile/picture')
  @ApiOperation({ summary: "Sets the account's profile picture from an uploaded image (POST /media, kind image)" })
  @ApiOkResponse({ type: OwnProfileDto })
  @ApiUnprocessableEntityResponse({ description: 'The media is not a decodable image' })
  setPicture(@CurrentAuth() auth: AuthContext, @SessionId() id: string, @Body() body: ProfilePictureDto): Promise<OwnProfileDto> {
    return this.profiles.setPicture(auth, id, body.mediaId);
  }

  @Delete(':id/profile/picture')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: "Removes the account's profile picture" })
  @ApiNoContentResponse({ description: 'Removed (also when there was none)' })
  removePicture(@CurrentAuth() auth: AuthContext, @SessionId() id: string): Promise<void> {
    return this.profiles.removePicture(auth, id);
  }
}
