/**
 * The uploads the back office was given a presigned PUT for, kept in the catalog table until
 * they are attached: `UPLOAD#<object key>` / `UPLOAD`, with what the uploader declared. An
 * attach compares the object in S3 with this record, so only keys this service issued can be
 * attached, and only with the type and size they were issued for.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { rowOf, rowReader } from '../../../common/dynamo';
import { toKey, type CatalogTable } from './catalog.table';
import type { MediaUpload } from './domain';

const uploadKey = (objectKey: string) => ({ pk: `UPLOAD#${objectKey}`, sk: 'UPLOAD' });

const { str, num } = rowReader('upload item');

export async function putUpload(db: CatalogTable, upload: MediaUpload): Promise<void> {
  await db.client.send(
    new PutItemCommand({
      TableName: db.name,
      Item: marshall({ ...uploadKey(upload.key), type: 'upload', ...upload }),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export async function getUpload(db: CatalogTable, objectKey: string): Promise<MediaUpload | null> {
  const { Item } = await db.client.send(
    new GetItemCommand({
      TableName: db.name,
      Key: toKey(uploadKey(objectKey)),
      ConsistentRead: true,
    }),
  );
  if (!Item) return null;
  const row = rowOf(Item);
  return {
    key: str(row, 'key'),
    filename: str(row, 'filename'),
    contentType: str(row, 'contentType'),
    byteSize: num(row, 'byteSize'),
    createdAt: str(row, 'createdAt'),
    expiresAt: str(row, 'expiresAt'),
  };
}
