import { SetMetadata } from '@nestjs/common';

export const PUBLIC = 'parley:public';

/** Opts a route out of the bearer-token guard (health checks, signup, login, refresh, accept-invite). */
export const Public = () => SetMetadata(PUBLIC, true);
