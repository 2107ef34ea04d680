/**
 * Onboarding contracts (issue 17): a field installer links a factory-provisioned device's Asset to the
 * customer's Account (and a Contact), marks it Installed, and leaves a handover report (PDF).
 */
import { z } from 'zod';
import { VerifyCheck } from './domain';

/** A customer Account as the installer sees it: by name and billing address. */
export const CustomerAccount = z.object({ id: z.string(), name: z.string(), address: z.string() });
export type CustomerAccount = z.infer<typeof CustomerAccount>;

/** A Contact of that Account. */
export const CustomerContact = z.object({ id: z.string(), name: z.string(), email: z.string() });
export type CustomerContact = z.infer<typeof CustomerContact>;

/** An Account with its Contacts. */
export const CustomerDetail = CustomerAccount.extend({ contacts: z.array(CustomerContact) });
export type CustomerDetail = z.infer<typeof CustomerDetail>;

/** What the installer enters to onboard the device on a bay. */
export const OnboardRequest = z
  .object({
    bayId: z.string().min(1).max(128),
    accountId: z.string().min(15).max(18),
    contactId: z.string().min(15).max(18).optional(),
    /** Where the device is installed ("Loading bay 3, north wall"). */
    location: z.string().max(200).optional(),
    notes: z.string().max(1000).optional(),
  })
  .strict();
export type OnboardRequest = z.infer<typeof OnboardRequest>;

/** The outcome: the Asset now installed at the customer, and the handover report. */
export const OnboardResult = z.object({
  deviceUid: z.string(),
  model: z.string(),
  assetId: z.string(),
  account: CustomerAccount,
  contact: CustomerContact.optional(),
  installer: z.object({ login: z.string(), name: z.string() }),
  /** ISO time of the onboarding. */
  at: z.string(),
  /** The identity checks that passed (certificate chain, key challenge, Asset fingerprints, link). */
  checks: z.array(VerifyCheck),
  /** The handover report: file name and the PDF, base64. */
  report: z.object({ filename: z.string(), pdfBase64: z.string() }),
});
export type OnboardResult = z.infer<typeof OnboardResult>;
