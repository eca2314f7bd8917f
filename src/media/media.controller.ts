import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiBody, ApiConflictResponse, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse,
  ApiOperation, ApiPartialContentResponse, ApiPayloadTooLargeResponse, ApiProduces, ApiQuery, ApiSecurity, ApiTags,
  ApiUnauthorizedResponse, ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { MediaDto, MediaUploadBodyDto, MediaUploadQueryDto, MediaUsageDto } from './media.dto.js';
import { MediaService } from './media.service.js';

@ApiTags('media')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' })
@Controller('media')
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Post()
  @ApiOperation({
    summary: 'Upload a file to send later with POST /chats/:jid/messages { mediaId } (seed 002)',
    description:
      'multipart/form-data with `kind` (image | video | audio | voice | document | sticker), `file` and optionally `sessionId`. ' +
      'Streamed to storage; limits per kind (MEDIA_MAX_BYTES_*). Image: JPEG, PNG or WebP; sticker: PNG, JPEG or WebP, stored as a 512×512 WebP; video: MP4/3GP/MOV; ' +
      'audio: MP3, M4A, AAC, Ogg, AMR, WAV, FLAC; voice: any of those, stored as Ogg Opus with its duration and waveform; document: anything. ' +
      'A voice note or sticker that cannot be converted is a 422. ' +
      "Beyond the tenant's quota (MEDIA_QUOTA_BYTES_PER_TENANT) 413 MEDIA_QUOTA_EXCEEDED, nothing stored.",
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: MediaUploadBodyDto })
  @ApiCreatedResponse({ type: MediaDto })
  @ApiBadRequestResponse({ description: 'Unknown or missing kind, no file, malformed multipart, SESSION_REQUIRED' })
  @ApiNotFoundResponse({ description: 'No such session in your tenant' })
  @ApiPayloadTooLargeResponse({ description: "Larger than the kind's limit (PAYLOAD_TOO_LARGE), or than what the tenant's quota leaves (MEDIA_QUOTA_EXCEEDED)" })
  @ApiUnsupportedMediaTypeResponse({ description: 'Not multipart, or the bytes are not of the declared kind' })
  async upload(@CurrentAuth() auth: AuthContext, @Req() request: FastifyRequest, @Query() query: MediaUploadQueryDto): Promise<MediaDto> {
    return this.media.upload(auth, request, query.sessionId);
  }

  // Declared before GET :id, which it would otherwise look like.
  @Get('usage')
  @ApiOperation({ summary: "Your tenant's stored media: bytes used, the quota (MEDIA_QUOTA_BYTES_PER_TENANT), what is left, how many objects" })
  @ApiOkResponse({ type: MediaUsageDto })
  async usage(@CurrentAuth() auth: AuthContext): Promise<MediaUsageDto> {
    return this.media.usage(auth);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a media object: its row and its bytes (local disk or S3)',
    description:
      'An upload that a sent message reuses keeps its bytes until that message\'s media (its `mediaId`) is deleted too. ' +
      'A deleted inbound media can be downloaded again on demand (POST /chats/:jid/messages/:messageId/media).',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such media in your tenant' })
  @ApiConflictResponse({ description: 'Its download is under way' })
  async remove(@CurrentAuth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.media.remove(auth, id);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A media object, with a freshly minted URL' })
  @ApiOkResponse({ type: MediaDto })
  @ApiNotFoundResponse({ description: 'No such media in your tenant' })
  async describe(@CurrentAuth() auth: AuthContext, @Param('id') id: string): Promise<MediaDto> {
    return this.media.describe(auth, id);
  }

  @Get(':id/content')
  @ApiOperation({
    summary: 'The bytes of a media object (Range supported)',
    description: 'Authenticated like every route; `?accessToken=<jwt>` works where headers cannot be set (`<img src>`).',
  })
  @ApiQuery({ name: 'accessToken', required: false, description: 'Access token, for <img src> and <video src>' })
  @ApiProduces('application/octet-stream', 'image/*', 'video/*', 'audio/*')
  @ApiOkResponse({ description: 'The whole object, with its content type' })
  @ApiPartialContentResponse({ description: 'The requested byte range (Content-Range)' })
  @ApiNotFoundResponse({ description: 'No such media in your tenant' })
  async content(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Headers('range') range: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const content = await this.media.content(auth, id, range);
    await reply.status(content.status).headers(content.headers).send(content.body);
  }
}
