import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, type AuthContext } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { ApiErrors } from './dto/api-error.dto.js';
import { TenantListDto } from './dto/tenant.dto.js';
import { TenantsService } from './tenants.service.js';

@ApiTags('tenants')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiOperation({ summary: 'Tenants visible to the caller: its own (user) or all (admin)' })
  @ApiOkResponse({ type: TenantListDto })
  @ApiErrors(401)
  list(@CurrentAuth() auth: AuthContext): Promise<TenantListDto> {
    return this.tenants.list(auth);
  }
}
