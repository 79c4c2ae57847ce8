/** The product subgraph's GraphQL types for product media: presigned uploads and attaching them. */
import { AdminUserError, payloadType } from '../../../../common/user-error';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { Product } from './types';

@InputType({ description: 'A file the back office is about to upload.' })
export class MediaUploadInput {
  @Field({ description: "The file's name, 1 to 255 characters; the key is made from it." })
  filename!: string;

  @Field({
    description:
      'MIME type of the file: image/jpeg, image/png, image/webp (images) or application/pdf (documents).',
  })
  contentType!: string;

  @Field(() => Int, {
    description: 'Exact size of the file in bytes, 1 up to the store limit (10 MiB by default).',
  })
  byteSize!: number;
}

@ObjectType({ description: 'An HTTP header a request must carry.' })
export class HttpHeader {
  @Field({ description: 'Header name, for example "Content-Type".' })
  name!: string;

  @Field({ description: 'The exact value to send.' })
  value!: string;
}

@ObjectType({
  description:
    'A presigned upload: PUT the file to `url` with exactly these `headers` before `expiresAt`, then attach `key` to a product.',
})
export class MediaUpload {
  @Field({ description: 'Where the file will be kept (under `products/`); attach it with this.' })
  key!: string;

  @Field({
    description:
      'The presigned S3 URL to PUT the bytes to. It covers this key, type and size only.',
  })
  url!: string;

  @Field(() => [HttpHeader], {
    description:
      'Headers the PUT must send, as given (Content-Type, Content-Length): they are signed.',
  })
  headers!: HttpHeader[];

  @Field({ description: 'When the URL stops working (ISO 8601, UTC).' })
  expiresAt!: string;
}

@InputType({ description: 'An uploaded file to attach to a product.' })
export class ProductMediaInput {
  @Field({ description: 'The `key` of the upload (from mediaUploadCreate), once the PUT is done.' })
  key!: string;

  @Field(() => String, {
    nullable: true,
    description: 'For an image: text alternative for screen readers, at most 500 characters.',
  })
  altText?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'For a document: what it is, for example "User manual"; the file name when omitted.',
  })
  title?: string | null;
}

export const MediaUploadCreatePayload = payloadType(
  'MediaUploadCreatePayload',
  'The result of mediaUploadCreate.',
  {
    field: 'upload',
    type: MediaUpload,
    description: 'How to upload the file; null when it is not accepted.',
  },
  { type: AdminUserError, description: 'Why the file is not accepted; empty on success.' },
);

export const ProductMediaAttachPayload = payloadType(
  'ProductMediaAttachPayload',
  'The result of productMediaAttach.',
  {
    field: 'product',
    type: Product,
    description: 'The product with the file attached; null when it was not attached.',
  },
  { type: AdminUserError, description: 'Why the file was not attached; empty on success.' },
);
