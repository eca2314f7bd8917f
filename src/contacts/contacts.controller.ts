import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { PageQueryDto } from '../common/page-query.dto.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { ContactPageDto } from './contacts.dto.js';
import { ContactsService } from './contacts.service.js';

@ApiTags('contacts')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@Controller('contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiOperation({ summary: "The session's contacts (PN and LID merged), by jid, cursor-paginated" })
  @ApiOkResponse({ type: ContactPageDto })
  @ApiBadRequestResponse({ description: 'Bad cursor or limit; SESSION_REQUIRED when the tenant has several sessions and no sessionId' })
  @ApiNotFoundResponse({ description: 'No such session in your tenant' })
  list(@CurrentAuth() auth: AuthContext, @Query() q: PageQueryDto): Promise<ContactPageDto> {
    return this.contacts.list(auth, q);
  }
}
