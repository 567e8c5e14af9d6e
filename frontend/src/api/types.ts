// Names for the generated schema types the features use.

import type { components } from './schema';

type Schemas = components['schemas'];

export type LoginResponse = Schemas['LoginResponse'];
export type KeyCount = Schemas['KeyCount'];
export type LabelCount = Schemas['LabelCount'];
export type TatLabelStats = Schemas['TatLabelStats'];
export type TopCustomer = Schemas['TopCustomer'];
export type NewCustomer = Schemas['NewCustomer'];
export type EntitySyncHealth = Schemas['EntitySyncHealth'];
export type SkippedRecordView = Schemas['SkippedRecordView'];
export type SampleDetailResponse = Schemas['SampleDetailResponse'];
export type TestDetailResponse = Schemas['TestDetailResponse'];
export type OrderDetailResponse = Schemas['OrderDetailResponse'];
export type SlaStatus = Schemas['SlaStatus'];
