import { createHmac } from 'node:crypto';

/**
 * DingTalk custom robot signing (加签): HMAC-SHA256 keyed by the robot's secret over
 * `timestamp + "\n" + secret`, Base64, then URL-encoded. DingTalk refuses a timestamp more than
 * an hour from its own clock, so the timestamp is real time (ms), never the campaign's virtual clock.
 */
export const dingtalkSignature = (secret: string, timestampMs: number): string =>
  encodeURIComponent(
    createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64'),
  );
