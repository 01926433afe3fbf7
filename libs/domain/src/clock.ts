import { Injectable } from '@nestjs/common';

/**
 * "Now" for what depends on the time of day or on elapsed time (a customer message's time, business
 * hours, SLA deadlines): one injectable source, so tests move it instead of waiting.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
