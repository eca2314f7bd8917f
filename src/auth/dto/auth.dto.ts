import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { EmailRules, PasswordRules, UserDto } from './user.dto.js';

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailRules()
  email: string;

  /** Only a type and size check: the length rules apply when a password is set, not at login. */
  @ApiProperty({ example: 'SuperSecure123!' })
  @IsString({ message: 'password must be a string' })
  @MinLength(1, { message: 'password must not be empty' })
  @MaxLength(1024, { message: 'password must be at most 1024 characters' })
  password: string;
}

export class RefreshDto {
  @ApiPropertyOptional({
    description: 'For non-browser clients; browsers send the httpOnly `refresh_token` cookie instead',
    example: '0b7f6a52-1e1c-4a8a-9d3f-6c2a1d9e7b10.q9J0m1dS3m7kzX1n8m6vY4pK2wQeR5tU7iO9pA1sD3f',
  })
  @IsOptional()
  @IsString({ message: 'refreshToken must be a string' })
  @MaxLength(200, { message: 'refreshToken must be at most 200 characters' })
  refreshToken?: string;
}

export class EmailOnlyDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailRules()
  email: string;
}

export class PasswordResetConfirmDto {
  @ApiProperty({ description: 'The token from the reset mail', example: '5d1e2c3b-4a59-4f6e-8d7c-1b2a3c4d5e6f.Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9Ed8Cb7Aa6Ss5D' })
  @IsString({ message: 'token must be a string' })
  @MinLength(1, { message: 'token must not be empty' })
  @MaxLength(200, { message: 'token must be at most 200 characters' })
  token: string;

  @ApiProperty({ example: 'AnotherSecure456!', minLength: 10, maxLength: 128 })
  @PasswordRules()
  password: string;
}

export class LoginResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzZjBjIn0.sig' }) accessToken: string;
  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 }) expiresIn: number;
  @ApiProperty({ type: UserDto }) user: UserDto;
}

export class RefreshResponseDto extends LoginResponseDto {
  @ApiPropertyOptional({
    description: 'The next refresh token, only when the request sent one in the body (non-browser clients)',
    example: '7c1e2c3b-4a59-4f6e-8d7c-1b2a3c4d5e6f.Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9Ed8Cb7Aa6Ss5D',
  })
  refreshToken?: string;
}

export class AcceptedDto {
  @ApiProperty({ example: true }) accepted: true;
  @ApiProperty({ example: 'If the address is registered, a mail is on its way.' }) message: string;
}
