import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse,
  ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import {
  CreateWebhookDto, ListWebhookDeliveriesQueryDto, UpdateWebhookDto, SubscriptionDeliveryDto, SubscriptionDeliveryListDto,
  WebhookDeliveryParamDto, WebhookDto, WebhookIdParamDto, WebhookListDto, WebhookWithSecretDto,
} from './webhook-subscriptions.dto.js';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service.js';

@ApiTags('webhook subscriptions')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@Controller('webhooks')
export class WebhookSubscriptionsController {
  constructor(private readonly webhooks: WebhookSubscriptionsService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to event types (and sessions); the secret is shown only in this answer' })
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  @ApiBadRequestResponse({ description: 'Invalid input (unknown event types are listed); URL_NOT_ALLOWED for private addresses' })
  @ApiForbiddenResponse({ description: 'scope "platform" by a non-admin' })
  create(@CurrentAuth() auth: AuthContext, @Body() dto: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    return this.webhooks.create(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: "Your tenant's webhooks (admins: also the platform-wide ones)" })
  @ApiOkResponse({ type: WebhookListDto })
  list(@CurrentAuth() auth: AuthContext): Promise<WebhookListDto> {
    return this.webhooks.list(auth);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook (without its secret)' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiNotFoundResponse({ description: 'No such webhook in your tenant' })
  get(@CurrentAuth() auth: AuthContext, @Param() p: WebhookIdParamDto): Promise<WebhookDto> {
    return this.webhooks.get(auth, p.id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a webhook (url, events, sessions, headers, enabled)' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiBadRequestResponse({ description: 'Invalid input; URL_NOT_ALLOWED' })
  @ApiNotFoundResponse({ description: 'No such webhook in your tenant' })
  update(@CurrentAuth() auth: AuthContext, @Param() p: WebhookIdParamDto, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(auth, p.id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook and its deliveries' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such webhook in your tenant' })
  remove(@CurrentAuth() auth: AuthContext, @Param() p: WebhookIdParamDto): Promise<void> {
    return this.webhooks.remove(auth, p.id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret (shown only in this answer); the old one stops signing at once' })
  @ApiOkResponse({ type: WebhookWithSecretDto })
  @ApiNotFoundResponse({ description: 'No such webhook in your tenant' })
  rotateSecret(@CurrentAuth() auth: AuthContext, @Param() p: WebhookIdParamDto): Promise<WebhookWithSecretDto> {
    return this.webhooks.rotateSecret(auth, p.id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a `webhook.test` delivery to this webhook' })
  @ApiAcceptedResponse({ type: SubscriptionDeliveryDto })
  @ApiNotFoundResponse({ description: 'No such webhook in your tenant' })
  test(@CurrentAuth() auth: AuthContext, @Param() p: WebhookIdParamDto): Promise<SubscriptionDeliveryDto> {
    return this.webhooks.test(auth, p.id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The webhook's deliveries, newest first, with their last response code" })
  @ApiOkResponse({ type: SubscriptionDeliveryListDto })
  @ApiBadRequestResponse({ description: 'Bad status, cursor or limit' })
  @ApiNotFoundResponse({ description: 'No such webhook in your tenant' })
  deliveries(@CurrentAuth() auth: AuthContext, @Param() p: WebhookIdParamDto, @Query() q: ListWebhookDeliveriesQueryDto): Promise<SubscriptionDeliveryListDto> {
    return this.webhooks.deliveries(auth, p.id, q);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a dead (or waiting) delivery again now; same webhook-id' })
  @ApiOkResponse({ type: SubscriptionDeliveryDto })
  @ApiNotFoundResponse({ description: 'No such webhook or delivery' })
  @ApiConflictResponse({ description: 'Already delivered (or being delivered)' })
  retry(@CurrentAuth() auth: AuthContext, @Param() p: WebhookDeliveryParamDto): Promise<SubscriptionDeliveryDto> {
    return this.webhooks.retry(auth, p.id, p.deliveryId);
  }
}
