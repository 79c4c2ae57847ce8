/**
 * Product media: the back office uploads an image or a document straight to the media bucket
 * with a presigned PUT, then attaches it to a product. Admins only. The file never passes
 * through this service.
 *
 *   1. `mediaUploadCreate` checks the declared type and size, picks the object key (under
 *      `products/`, a random part no caller can choose), records the upload and answers a PUT
 *      URL whose signature covers the key, the `Content-Type`, the `Content-Length` and a short
 *      expiry: S3 refuses any other body, type, key or a late request.
 *   2. `productMediaAttach` takes a key this service issued, asks S3 for the object (HeadObject)
 *      and checks it has the declared type and size, then appends it to the product's images
 *      (JPEG, PNG, WebP) or documents (PDF) through the product update every edit uses: the
 *      product's `updatedAt` and change-feed position move, so the search index and the gateways'
 *      response caches follow (catalog-events.service.ts), and the shared cache is invalidated.
 */
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RequestContext } from '../../../common/context';
import { requireAdmin } from '../../../common/identity';
import { headObject, presignPut } from '../../../common/s3';
import { userError, type UserError } from '../../../common/user-error';
import { getProductForUpdate, updateProductAttributes } from './catalog.repository';
import type { CatalogService } from './catalog.service';
import type { CatalogTable } from './catalog.table';
import type {
  AdminErrorCode,
  MediaUploadDraft,
  MediaUploadResult,
  ProductMediaDraft,
  ProductResult,
} from './domain';
import type { CatalogLoaders } from './loaders';
import { getUpload, putUpload } from './media.repository';
import { after } from './product-admin.service';
import { limits } from './validation';

/** The types the store takes, and the extension their keys get. */
export const mediaTypes: Readonly<Record<string, { kind: 'image' | 'document'; ext: string }>> = {
  'image/jpeg': { kind: 'image', ext: 'jpg' },
  'image/png': { kind: 'image', ext: 'png' },
  'image/webp': { kind: 'image', ext: 'webp' },
  'application/pdf': { kind: 'document', ext: 'pdf' },
};

export interface MediaSettings {
  /** The S3 client (common/s3.ts) and the bucket behind ASSET_BASE_URL. */
  s3: S3Client;
  /** Signs the upload URLs when clients reach S3 by another address (MEDIA_S3_PUBLIC_ENDPOINT). */
  presigner?: S3Client;
  bucket: string;
  /** Largest file accepted, in bytes (MEDIA_UPLOAD_MAX_BYTES). */
  maxBytes: number;
  /** How long a presigned URL works (MEDIA_UPLOAD_EXPIRES_SECONDS). */
  expiresInSeconds: number;
  /** The clock URLs are signed by; tests may move it. */
  now?: () => Date;
}

const FILENAME_MAX = 255;
const DOCUMENT_TITLE_MAX = 200;
const ATTACH_ATTEMPTS = 5;

type Errors = UserError<AdminErrorCode>[];

/** "Manual (EN) v2.PDF" -> "manual-en-v2": the readable part of a key. */
function keyStem(filename: string): string {
  const base = filename.replace(/^.*[\\/]/, '').replace(/\.[A-Za-z0-9]{1,8}$/, '');
  const stem = base
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '');
  return stem || 'file';
}

/** A document's default title: the file's name without its extension. */
const defaultTitle = (filename: string) =>
  filename
    .replace(/^.*[\\/]/, '')
    .replace(/\.[A-Za-z0-9]{1,8}$/, '')
    .trim()
    .slice(0, DOCUMENT_TITLE_MAX) || 'Document';

export class MediaService {
  private readonly now: () => Date;

  constructor(
    private readonly db: CatalogTable,
    private readonly catalog: CatalogService,
    private readonly settings: MediaSettings | null,
  ) {
    this.now = settings?.now ?? (() => new Date());
  }

  async mediaUploadCreate(
    ctx: RequestContext<CatalogLoaders>,
    input: MediaUploadDraft,
  ): Promise<MediaUploadResult> {
    requireAdmin(ctx.identity.viewer);
    const media = this.configured();
    const errors: Errors = [];
    const filename = input.filename.trim();
    if (filename.length === 0 || filename.length > FILENAME_MAX || /[\u0000-\u001f]/.test(filename))
      errors.push(
        userError(
          'INVALID_INPUT',
          `The file name must be 1 to ${FILENAME_MAX} printable characters.`,
          ['input', 'filename'],
        ),
      );
    const type = mediaTypes[input.contentType];
    if (!type)
      errors.push(
        userError(
          'INVALID_INPUT',
          `Files of type "${input.contentType.slice(0, 100)}" are not accepted: JPEG, PNG and WebP images and PDF documents are.`,
          ['input', 'contentType'],
        ),
      );
    if (!Number.isInteger(input.byteSize) || input.byteSize < 1 || input.byteSize > media.maxBytes)
      errors.push(
        userError(
          'INVALID_INPUT',
          `A file must be 1 to ${media.maxBytes} bytes (${(media.maxBytes / 1_048_576).toFixed(1)} MiB).`,
          ['input', 'byteSize'],
        ),
      );
    if (errors.length > 0 || !type) return { upload: null, userErrors: errors };

    const key = `products/${randomUUID()}/${keyStem(filename)}.${type.ext}`;
    const signedAt = this.now();
    const presigned = await presignPut(
      media.presigner ?? media.s3,
      { bucket: media.bucket, key, contentType: input.contentType, byteSize: input.byteSize },
      { expiresInSeconds: media.expiresInSeconds, signedAt },
    );
    const expiresAt = presigned.expiresAt.toISOString();
    await putUpload(this.db, {
      key,
      filename,
      contentType: input.contentType,
      byteSize: input.byteSize,
      createdAt: signedAt.toISOString(),
      expiresAt,
    });
    return {
      upload: { key, url: presigned.url, headers: presigned.headers, expiresAt },
      userErrors: [],
    };
  }

  async productMediaAttach(
    ctx: RequestContext<CatalogLoaders>,
    productId: string,
    input: ProductMediaDraft,
  ): Promise<ProductResult> {
    requireAdmin(ctx.identity.viewer);
    const media = this.configured();
    const failed = (...userErrors: Errors): ProductResult => ({ product: null, userErrors });
    const altText = input.altText?.trim() || null;
    const title = input.title?.trim() || null;
    const problems: Errors = [];
    if (altText && altText.length > limits.altText)
      problems.push(
        userError('INVALID_INPUT', `Alt text is at most ${limits.altText} characters.`, [
          'input',
          'altText',
        ]),
      );
    if (title && title.length > DOCUMENT_TITLE_MAX)
      problems.push(
        userError('INVALID_INPUT', `A title is at most ${DOCUMENT_TITLE_MAX} characters.`, [
          'input',
          'title',
        ]),
      );
    if (problems.length > 0) return failed(...problems);

    const upload = input.key.startsWith('products/') ? await getUpload(this.db, input.key) : null;
    if (!upload)
      return failed(
        userError('NOT_FOUND', 'There is no upload with this key; create one first.', [
          'input',
          'key',
        ]),
      );
    const stored = await headObject(media.s3, media.bucket, upload.key);
    if (!stored)
      return failed(
        userError('NOT_FOUND', 'Nothing was uploaded under this key (or not yet).', [
          'input',
          'key',
        ]),
      );
    if (stored.contentType !== upload.contentType || stored.byteSize !== upload.byteSize)
      return failed(
        userError('INVALID_INPUT', 'The uploaded file is not the one declared (type or size).', [
          'input',
          'key',
        ]),
      );
    const kind = mediaTypes[upload.contentType]?.kind ?? 'document';

    for (let attempt = 0; attempt < ATTACH_ATTEMPTS; attempt++) {
      const before = await getProductForUpdate(this.db, productId);
      if (!before)
        return failed(userError('NOT_FOUND', 'There is no such product.', ['productId']));
      const attached =
        before.images.some((i) => i.key === upload.key) ||
        before.documents.some((d) => d.key === upload.key);
      if (attached) return { product: before, userErrors: [] };
      if (kind === 'image' && before.images.length >= limits.images)
        return failed(
          userError('INVALID_INPUT', `A product has at most ${limits.images} images.`, [
            'input',
            'key',
          ]),
        );
      const attributes =
        kind === 'image'
          ? { images: [...before.images, { key: upload.key, altText }] }
          : {
              documents: [
                ...before.documents,
                {
                  key: upload.key,
                  title: title ?? defaultTitle(upload.filename),
                  contentType: upload.contentType,
                },
              ],
            };
      const updated = await updateProductAttributes(
        this.db,
        productId,
        attributes,
        after(before.updatedAt),
        before.updatedAt,
      );
      if (!updated) continue; // changed by someone else since it was read: read it again
      // Listings show the featured image: cached pages go stale with the product's record.
      await this.catalog.invalidate({ products: [productId] });
      ctx.loaders.product.clear(productId).prime(productId, updated);
      return { product: updated, userErrors: [] };
    }
    throw new Error(`product ${productId} kept changing while media was attached`);
  }

  private configured(): MediaSettings {
    if (!this.settings) throw new Error('product media: no media bucket is configured');
    return this.settings;
  }
}
