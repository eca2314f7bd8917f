import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import {
  DeliveryDetailResponseDto,
  DeliveryIdParamDto,
  DeliveryListResponseDto,
  DeliveryResponseDto,
  ListDeliveriesQueryDto,
  WebhookStatsResponseDto,
} from './webhooks.dto.js';
import { WebhooksAdminService } from './webhooks-admin.service.js';

@ApiTags('webhooks')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Not authenticated' })
@ApiForbiddenResponse({ description: 'Not an admin' })
@Roles('admin')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly admin: WebhooksAdminService) {}

  @Get('deliveries')
  @ApiOperation({ summary: 'List callbacks to the main backend (newest first), filtered and paginated' })
  @ApiOkResponse({ type: DeliveryListResponseDto })
  list(@Query() query: ListDeliveriesQueryDto): Promise<DeliveryListResponseDto> {
    return this.admin.list(query);
  }

  @Get('deliveries/:id')
  @ApiOperation({ summary: 'One callback with every attempt made' })
  @ApiOkResponse({ type: DeliveryDetailResponseDto })
  @ApiNotFoundResponse({ description: 'No such delivery' })
  get(@Param() params: DeliveryIdParamDto): Promise<DeliveryDetailResponseDto> {
    return this.admin.get(params.id);
  }

  @Post('deliveries/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-queue a dead callback (attempts are kept; it gets a fresh retry budget)' })
  @ApiOkResponse({ type: DeliveryResponseDto })
  @ApiNotFoundResponse({ description: 'No such delivery' })
  @ApiConflictResponse({ description: 'The delivery is not dead' })
  retry(@Param() params: DeliveryIdParamDto): Promise<DeliveryResponseDto> {
    return this.admin.retry(params.id);
  }

  @Get('stats')
  @ApiOperation({ summary: 'Callbacks by status and the age of the oldest one not yet delivered' })
  @ApiOkResponse({ type: WebhookStatsResponseDto })
  stats(): Promise<WebhookStatsResponseDto> {
    return this.admin.stats();
  }
}
