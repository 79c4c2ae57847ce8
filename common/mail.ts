/** Outgoing email. In production over Amazon SES's SMTP interface; locally an in-process server. */

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * A stable id for this message (for example derived from the event that caused it), sent as
   * the Message-ID so a redelivery of the same message can be recognised.
   */
  messageId: string;
}

export interface Mailer {
  /** Resolves once the mail server has accepted the message; rejects when it has not. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
