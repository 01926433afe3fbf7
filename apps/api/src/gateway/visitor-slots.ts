import { Injectable } from '@nestjs/common';

/** Open visitor sockets per IP on this instance (WIDGET_SOCKETS_PER_IP): taken at the handshake, freed on close. */
@Injectable()
export class VisitorSlots {
  private readonly perIp = new Map<string, number>();

  /** Takes one of the IP's socket slots; false when all are taken. */
  reserve(ip: string, max: number): boolean {
    const open = this.perIp.get(ip) ?? 0;
    if (open >= max) return false;
    this.perIp.set(ip, open + 1);
    return true;
  }

  release(ip: string): void {
    const open = (this.perIp.get(ip) ?? 1) - 1;
    if (open <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, open);
  }
}
