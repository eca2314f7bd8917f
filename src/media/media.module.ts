import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { InboundMediaService } from './inbound-media.service.js';
import { LocalMediaStorage } from './local-media-storage.js';
import { MediaDownloads } from './media-downloads.service.js';
import { MediaJobs } from './media-jobs.js';
import { MediaController } from './media.controller.js';
import { MediaInspector } from './media-inspector.js';
import { MediaConverter } from './media-converter.js';
import { MediaQuota } from './media-quota.js';
import { MediaRepository } from './media-repository.js';
import { MediaSendService } from './media-send.service.js';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.js';
import { MediaUploadsService } from './media-uploads.service.js';
import { MediaUrls } from './media-urls.js';
import { MediaEntity } from './media.entity.js';
import { MediaService } from './media.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([MediaEntity]), SessionsModule],
  controllers: [MediaController],
  providers: [
    {
      provide: MEDIA_STORAGE,
      inject: [APP_CONFIG],
      // The AWS SDK (~35 MB of RSS) is loaded only when S3 is configured.
      useFactory: async (config: AppConfig): Promise<MediaStorage> => {
        if (!config.media.s3) return new LocalMediaStorage(config.dataDir);
        const { S3MediaStorage } = await import('./s3-media-storage.js');
        return new S3MediaStorage(config.media.s3, config.media.urlTtlSeconds);
      },
    },
    MediaRepository,
    MediaQuota,
    MediaInspector,
    MediaConverter,
    MediaUrls,
    MediaUploadsService,
    MediaService,
    MediaSendService,
    MediaJobs,
    MediaDownloads,
    InboundMediaService,
  ],
  exports: [MEDIA_STORAGE, MediaRepository, MediaUrls, MediaInspector, MediaSendService, MediaJobs, MediaDownloads, InboundMediaService],
})
export class MediaModule implements OnApplicationShutdown {
  constructor(@Inject(MEDIA_STORAGE) private readonly storage: MediaStorage) {}

  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
  }
}
