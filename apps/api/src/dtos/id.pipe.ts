import { Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { notFound } from '@parley/errors/app-error';

/** A path id that is not a UUID names nothing that exists: 404, like any other unknown id. */
@Injectable()
export class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly resource = 'resource') {}

  transform(value: string): string {
    if (!isUUID(value)) throw notFound(this.resource);
    return value;
  }
}
