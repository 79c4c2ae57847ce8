/** Thin resolvers for product media: each turns its arguments into one service call. */
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../../common/context';
import type { CatalogLoaders } from '../loaders';
import type { MediaService } from '../media.service';
import {
  MediaUploadCreatePayload,
  MediaUploadInput,
  ProductMediaAttachPayload,
  ProductMediaInput,
} from './media.types';

@Resolver()
export class MediaMutationResolver {
  constructor(private readonly services: { media: MediaService }) {}

  @Mutation(() => MediaUploadCreatePayload, {
    description:
      'A presigned S3 PUT for one image (JPEG, PNG, WebP) or PDF document, then attached with productMediaAttach. Admins only.',
  })
  mediaUploadCreate(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('input', () => MediaUploadInput, { description: 'The file to upload.' })
    input: MediaUploadInput,
  ) {
    return this.services.media.mediaUploadCreate(ctx, input);
  }

  @Mutation(() => ProductMediaAttachPayload, {
    description:
      'Adds an uploaded file to a product: an image to its images, a PDF to its documents. Admins only.',
  })
  productMediaAttach(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('productId', () => ID, { description: "The product's id." }) productId: string,
    @Arg('input', () => ProductMediaInput, { description: 'The upload to attach.' })
    input: ProductMediaInput,
  ) {
    return this.services.media.productMediaAttach(ctx, productId, input);
  }
}
