import { Controller, Delete, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { MessageIdPipe } from '../chats/message-id.pipe.js';
import { QueueItemEnvelopeDto, QueuePageDto, QueueQueryDto } from './send-queue.dto.js';
import { SendQueueService } from './send-queue.service.js';

@ApiTags('sessions')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@ApiNotFoundResponse({ description: 'No such session in your tenant (or no such send)' })
@Controller('sessions/:id/queue')
export class SendQueueController {
  constructor(private readonly queue: SendQueueService) {}

  @Get()
  @ApiOperation({ summary: "A paced session's queue in sending order: what waits or is going out (`all=true`: also what is over)" })
  @ApiOkResponse({ type: QueuePageDto })
  @ApiBadRequestResponse({ description: 'Invalid limit or cursor' })
  list(@CurrentAuth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string, @Query() q: QueueQueryDto): Promise<QueuePageDto> {
    return this.queue.list(auth, id, q);
  }

  @Delete(':messageId')
  @ApiOperation({ summary: 'Cancel a queued send (it will not go out); one already going out or over is a 409' })
  @ApiParam({ name: 'messageId', description: 'The id the send was queued under', example: '3EB0A1B2C3D4E5F6A7B8C9' })
  @ApiOkResponse({ type: QueueItemEnvelopeDto })
  @ApiConflictResponse({ description: 'QUEUE_ITEM_NOT_CANCELLABLE: it is sending, sent, failed or cancelled already' })
  async cancel(@CurrentAuth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string, @Param('messageId', MessageIdPipe) messageId: string): Promise<QueueItemEnvelopeDto> {
    return { success: true, data: await this.queue.cancel(auth, id, messageId) };
  }
}
