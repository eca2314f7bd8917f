import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { Role } from '../../common/auth-context.js';
import { IsSafeEmail } from '../../common/safe-email.js';
import { MAX_OFFSET } from '../../common/validation.pipe.js';
import type { UserEntity } from '../entities/user.entity.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;
const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** Shared password rules (sign-up, reset). */
export function PasswordRules(): PropertyDecorator {
  return (target, key) => {
    IsString({ message: 'password must be a string' })(target, key);
    MinLength(PASSWORD_MIN_LENGTH, { message: `password must be at least ${PASSWORD_MIN_LENGTH} characters` })(target, key);
    MaxLength(PASSWORD_MAX_LENGTH, { message: `password must be at most ${PASSWORD_MAX_LENGTH} characters` })(target, key);
  };
}

export function EmailRules(): PropertyDecorator {
  return (target, key) => {
    Transform(trim)(target, key);
    IsString({ message: 'email must be a string' })(target, key);
    MaxLength(254, { message: 'email must be at most 254 characters' })(target, key);
    IsSafeEmail({ message: 'email must be a valid e-mail address' })(target, key);
  };
}

export class SignUpDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @EmailRules()
  email: string;

  @ApiProperty({ example: 'SuperSecure123!', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @PasswordRules()
  password: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString({ message: 'name must be a string' })
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  name: string;
}

export class VerifyEmailDto {
  @ApiProperty({ description: 'The token from the verification mail', example: '0b7f6a52-1e1c-4a8a-9d3f-6c2a1d9e7b10.q9J0m1dS3m7kzX1n8m6vY4pK2wQeR5tU7iO9pA1sD3f' })
  @IsString({ message: 'token must be a string' })
  @MinLength(1, { message: 'token must not be empty' })
  @MaxLength(200, { message: 'token must be at most 200 characters' })
  token: string;
}

export class ListUsersQueryDto {
  @ApiPropertyOptional({ description: 'Admins only: restrict to one tenant', format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_OFFSET, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset must be an integer' })
  @Min(0)
  @Max(MAX_OFFSET)
  offset?: number;
}

export class UserDto {
  @ApiProperty({ format: 'uuid', example: '3f0c4f5e-8a47-4c53-9a3b-0f4a1a2b3c4d' }) id: string;
  @ApiProperty({ format: 'uuid', example: '9e3a5b9c-56b9-4b8d-9e2b-5c3a1f4b9a12' }) tenantId: string;
  @ApiProperty({ example: 'ada@example.com' }) email: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name: string;
  @ApiProperty({ enum: ['user', 'admin'], example: 'user' }) role: Role;
  @ApiProperty({ example: false }) emailVerified: boolean;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) createdAt: string;
}

export class UserListDto {
  @ApiProperty({ type: [UserDto] }) items: UserDto[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}

export function mapUser(user: UserEntity): UserDto {
  return {
    id: user.id,
    tenantId: user.tenantId,
    email: user.email,
    name: user.name,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
