// Generated from the API's /api/openapi.json by `npm run api:types`; do not edit.
export interface paths {
  '/api/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Exchanges a username and password for a bearer token.
     * @description Every refusal (unknown user, wrong password, disabled or locked account)
     *     answers the same 401. Three failures in a row lock the account for 24 hours.
     */
    post: operations['login'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Whether the API and its database answer. */
    get: operations['health'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/entities/orders/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * An order with its customer, age, pending counts and, as asked, its
     *     samples and their tests.
     */
    get: operations['order'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/entities/samples/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A sample with its order, customer, tests and batches. */
    get: operations['sample'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/entities/tests/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A test with its sample, order, customer and batches. */
    get: operations['test'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/activity/daily': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Samples created, tests created and tests reported per lab day, and
     *     with `compare_previous` the same for the period just before.
     */
    get: operations['activity_daily'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/common/filters': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Visible customers by name, the distinct order, sample and test states,
     *     and the lab's time zone.
     */
    get: operations['common_filters'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/customers/new': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Customers created in the range, newest first. */
    get: operations['new_customers'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/customers/top-tests': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Customers with the most tests created in the range, with their tests
     *     reported in it.
     */
    get: operations['top_tests'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/reports/overview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Reports of the range and how many were within the SLA. */
    get: operations['reports_overview'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/samples/overview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Samples created in the range: completed, pending and closed, per state and
     *     matrix type, and created against completed per lab day.
     */
    get: operations['samples_overview'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/summary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Samples, tests, customers and reports of the range, the mean
     *     turnaround and its SLA split, and when the mirror last changed.
     */
    get: operations['summary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/sync/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * When an entity (`customers`, `orders`, `samples`, `batches` or `tests`,
     *     singular or plural) was last synced; `updated_at` is null before the
     *     first sync.
     */
    get: operations['sync_status'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/tests/label-distribution': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Tests created in the range per label. */
    get: operations['label_distribution'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/tests/overview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Tests created in the range: completed, pending and closed, per state and label;
     *     `batch_id` narrows them to one batch.
     */
    get: operations['tests_overview'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/tests/tat': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Turnaround statistics of the tests reported in the range, their
     *     distribution in buckets and a series per day or ISO week.
     */
    get: operations['tests_tat'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/tests/tat-breakdown': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Turnaround statistics per test label. */
    get: operations['tat_breakdown'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/tests/tat-daily': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Mean turnaround and SLA split per report day, with a moving average
     *     over calendar days.
     */
    get: operations['tat_daily'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sync/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Checkpoints, newest runs, lag and the records set aside. */
    get: operations['sync_health'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** @description Work of one lab-zone day. */
    ActivityDay: {
      /**
       * Format: date
       * @description The day, in the lab's zone.
       */
      date: string;
      /**
       * Format: int64
       * @description Samples created that day.
       */
      samples: number;
      /**
       * Format: int64
       * @description Tests created that day.
       */
      tests: number;
      /**
       * Format: int64
       * @description Tests reported that day.
       */
      tests_reported: number;
    };
    /** @description The response of `metrics/activity/daily`. */
    ActivityResponse: {
      /** @description One row per day of the range, days without work included. */
      current: components['schemas']['ActivityDay'][];
      /**
       * @description The same number of days just before, in order; null unless
       *     `compare_previous` was asked. `previous[i]` pairs with `current[i]`.
       */
      previous?: components['schemas']['ActivityDay'][] | null;
    };
    /** @description A batch, by id and name. */
    BatchRef: {
      /** @description Batch name. */
      display_name?: string | null;
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
    };
    /** @description The response of `metrics/common/filters`. */
    CommonFiltersResponse: {
      /** @description Every visible customer, by name. */
      customers: components['schemas']['CustomerOption'][];
      /**
       * @description The lab's IANA time zone (`LAB_TIMEZONE`), in which the metrics
       *     place days: a dashboard shows dates and times in it. An addition to
       *     the earlier tool's answer.
       * @example America/New_York
       */
      lab_timezone: string;
      /**
       * Format: date-time
       * @description When the mirror last wrote a visible record; null when empty.
       */
      last_updated_at?: string | null;
      /**
       * @description Distinct states of visible orders, sorted: the values the `state`
       *     filter of the metrics routes compares with.
       */
      order_states: string[];
      /** @description Distinct states of visible samples, sorted. */
      sample_states: string[];
      /**
       * Format: double
       * @description The SLA in hours (`SLA_HOURS`) the metrics use when a request names
       *     no `sla_hours`: a dashboard labels its SLA figures with it. An
       *     addition to the earlier tool's answer.
       * @example 48
       */
      sla_hours: number;
      /** @description Distinct states of visible tests, sorted. */
      test_states: string[];
    };
    /** @description A customer to filter on. */
    CustomerOption: {
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description Customer name. */
      name: string;
    };
    /** @description A customer, by id and name. */
    CustomerRef: {
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description Customer name. */
      name: string;
    };
    /** @description Samples created and completed on one lab-zone day. */
    DayCreatedCompleted: {
      /**
       * Format: int64
       * @description Samples completed that day.
       */
      completed: number;
      /**
       * Format: int64
       * @description Samples created that day.
       */
      created: number;
      /**
       * Format: date
       * @description The day.
       */
      date: string;
    };
    /** @description The checkpoint and newest run of one entity. */
    EntitySyncHealth: {
      /**
       * Format: date-time
       * @description The mirror holds every record of this entity changed before this
       *     instant; null before the first complete sync.
       */
      checkpoint_at?: string | null;
      /** @description `complete`, or `loading` while a run's pages are still being loaded. */
      checkpoint_status?: string | null;
      /**
       * Format: date-time
       * @description When the checkpoint row last changed.
       */
      checkpoint_updated_at?: string | null;
      /** @description The entity, singular (`test`). */
      entity: string;
      /**
       * Format: int64
       * @description Seconds from `checkpoint_at` to `checked_at`.
       */
      lag_seconds?: number | null;
      /** Format: int32 */
      last_run_complete_pages?: number | null;
      /**
       * Format: date-time
       * @description When every page of the newest run was loaded.
       */
      last_run_completed_at?: string | null;
      /** @description Why the newest run stopped early, when it did. */
      last_run_message?: string | null;
      /** @description `full` or `incremental`, for the newest run. */
      last_run_mode?: string | null;
      /** Format: date-time */
      last_run_started_at?: string | null;
      /** @description `running`, `published`, `partial` or `failed`. */
      last_run_status?: string | null;
      /** Format: int32 */
      last_run_total_pages?: number | null;
    };
    /** @description The body of every error answer. */
    ErrorBody: {
      /**
       * @description A stable code to branch on, e.g. `invalid_parameter`.
       * @example invalid_parameter
       */
      code: string;
      /**
       * @description A sentence for people; never internal details.
       * @example entity: unknown entity "widgets"
       */
      message: string;
    };
    /** @description The service and its database answer. */
    Health: {
      /**
       * @description Always `ok`.
       * @example ok
       */
      status: string;
    };
    /** @description How many records share one value of a column. */
    KeyCount: {
      /**
       * Format: int64
       * @description Records with it.
       */
      count: number;
      /** @description The value, `UNKNOWN` when missing. */
      key: string;
    };
    /** @description How many tests carry one assay label. */
    LabelCount: {
      /**
       * Format: int64
       * @description Tests with it.
       */
      count: number;
      /** @description The test's `label_abbr`, `UNKNOWN` when missing. */
      label: string;
    };
    /** @description The response of `metrics/tests/label-distribution`. */
    LabelDistributionResponse: {
      /** @description Tests created in the range per assay label, most first. */
      labels: components['schemas']['LabelCount'][];
    };
    /** @description Credentials; the username is compared ignoring case and surrounding spaces. */
    LoginRequest: {
      /** Format: password */
      password: string;
      /** @example alice */
      username: string;
    };
    /** @description A bearer token for the `/api/v1` routes. */
    LoginResponse: {
      access_token: string;
      /** Format: date-time */
      expires_at: string;
      /**
       * Format: int64
       * @description Seconds until `expires_at`.
       */
      expires_in: number;
      /**
       * @description Always `bearer`.
       * @example bearer
       */
      token_type: string;
      user: components['schemas']['LoginUser'];
    };
    /** @description Who the token is for. */
    LoginUser: {
      username: string;
    };
    /** @description A customer created in the range. */
    NewCustomer: {
      /**
       * Format: date-time
       * @description When QBench created the customer.
       */
      created_at?: string | null;
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description Customer name. */
      name: string;
    };
    /** @description The response of `metrics/customers/new`. */
    NewCustomersResponse: {
      /** @description Customers created in the range, newest first. */
      customers: components['schemas']['NewCustomer'][];
    };
    /** @description An order's own fields and progress. */
    OrderDetail: {
      /**
       * Format: double
       * @description Hours from creation to its report, or to now while unreported.
       */
      age_hours?: number | null;
      /** @description QBench's formatted id, such as `O-110325-3442`. */
      custom_formatted_id?: string | null;
      /**
       * Format: date-time
       * @description When it was completed.
       */
      date_completed?: string | null;
      /**
       * Format: date-time
       * @description When it was created.
       */
      date_created?: string | null;
      /**
       * Format: date-time
       * @description When it was reported.
       */
      date_order_reported?: string | null;
      /**
       * Format: date-time
       * @description When the lab received it.
       */
      date_received?: string | null;
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /**
       * Format: int64
       * @description Visible samples without a completion date and not closed by their
       *     state (DISCONTINUED, NOT REPORTABLE).
       */
      pending_samples: number;
      /**
       * Format: int64
       * @description Visible tests neither completed, nor reported, nor closed by their
       *     state (CANCELLED, NOT REPORTABLE).
       */
      pending_tests: number;
      /**
       * Format: double
       * @description The SLA applied.
       */
      sla_hours: number;
      /** @description Its tests' SLA statuses summarised. */
      sla_status: components['schemas']['SlaStatus'];
      /** @description QBench state. */
      state?: string | null;
    };
    /** @description The response of `entities/orders/{id}`. */
    OrderDetailResponse: {
      /** @description Its customer. */
      customer: components['schemas']['CustomerRef'];
      /** @description The order. */
      order: components['schemas']['OrderDetail'];
      /** @description Its visible samples by id; null when `include_samples=false`. */
      samples?: components['schemas']['OrderSample'][] | null;
    };
    /** @description An order with its customer. */
    OrderRef: {
      /** @description The order's customer. */
      customer: components['schemas']['CustomerRef'];
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description QBench state. */
      state?: string | null;
    };
    /** @description A sample as listed under its order. */
    OrderSample: {
      /** @description Whether QBench has a report for it. */
      has_report: boolean;
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /**
       * Format: int64
       * @description Its tests neither completed, nor reported, nor closed.
       */
      pending_tests: number;
      /** @description Sample name. */
      sample_name?: string | null;
      /** @description QBench state. */
      state?: string | null;
      /** @description Its visible tests by id; null unless `include_tests=true`. */
      tests?: components['schemas']['TestSummary'][] | null;
    };
    /** @description The response of `metrics/reports/overview`. */
    ReportsOverviewResponse: {
      /**
       * Format: int64
       * @description Reports left out of the split for ending before they began.
       */
      negative_tat_excluded: number;
      /**
       * Format: int64
       * @description Reports with a turnaround over the SLA.
       */
      reports_beyond_sla: number;
      /**
       * Format: int64
       * @description Reports with a turnaround at or under the SLA.
       */
      reports_within_sla: number;
      /**
       * Format: int64
       * @description Tests reported in the range.
       */
      total_reports: number;
    };
    /** @description A sample's own fields. */
    SampleDetail: {
      /**
       * Format: date-time
       * @description When it was completed.
       */
      completed_date?: string | null;
      /** @description QBench's formatted id. */
      custom_formatted_id?: string | null;
      /**
       * Format: date-time
       * @description When it was created.
       */
      date_created?: string | null;
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description Matrix type. */
      matrix_type?: string | null;
      /**
       * Format: int32
       * @description Its order.
       */
      order_id: number;
      /** @description Sample name. */
      sample_name?: string | null;
      /**
       * Format: double
       * @description The SLA applied.
       */
      sla_hours: number;
      /** @description Its tests' SLA statuses summarised. */
      sla_status: components['schemas']['SlaStatus'];
      /**
       * Format: date-time
       * @description When work on it started.
       */
      start_date?: string | null;
      /** @description QBench state. */
      state?: string | null;
    };
    /** @description The response of `entities/samples/{id}`. */
    SampleDetailResponse: {
      /** @description Its visible batches, by id. */
      batches: components['schemas']['BatchRef'][];
      /** @description Its order and customer. */
      order: components['schemas']['OrderRef'];
      /** @description The sample. */
      sample: components['schemas']['SampleDetail'];
      /** @description Its visible tests, by id. */
      tests: components['schemas']['TestSummary'][];
    };
    /** @description Totals of `metrics/samples/overview`. */
    SampleKpis: {
      /**
       * Format: int64
       * @description Of those, samples without a completion date whose state ended them
       *     (DISCONTINUED, NOT REPORTABLE); an addition to the earlier tool's
       *     answer, which counted them as pending.
       */
      closed_samples: number;
      /**
       * Format: int64
       * @description Of those, samples with a completion date.
       */
      completed_samples: number;
      /**
       * Format: int64
       * @description Of those, samples not completed and not closed.
       */
      pending_samples: number;
      /**
       * Format: int64
       * @description Samples created in the range.
       */
      total_samples: number;
    };
    /** @description A sample, briefly. */
    SampleRef: {
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description Sample name. */
      sample_name?: string | null;
      /** @description QBench state. */
      state?: string | null;
    };
    /** @description The response of `metrics/samples/overview`. */
    SamplesOverviewResponse: {
      /** @description Those samples per matrix type, most first. */
      by_matrix_type: components['schemas']['KeyCount'][];
      /** @description Those samples per state, most first. */
      by_state: components['schemas']['KeyCount'][];
      /** @description Per lab-zone day, samples created and samples completed that day. */
      created_vs_completed: components['schemas']['DayCreatedCompleted'][];
      /** @description Totals of the samples created in the range. */
      kpis: components['schemas']['SampleKpis'];
    };
    /** @description A record the loaders set aside. */
    SkippedRecordView: {
      /** Format: int32 */
      attempts: number;
      /** @description The entity, singular (`test`). */
      entity: string;
      /** Format: date-time */
      first_skipped_at: string;
      /** Format: date-time */
      last_attempt_at: string;
      /** @description The last failure, in words. */
      last_error: string;
      missing_parent_entity?: string | null;
      /** Format: int32 */
      missing_parent_id?: number | null;
      /** @description `missing_parent` or `invalid`. */
      reason: string;
      /**
       * Format: int32
       * @description Its QBench id.
       */
      record_id: number;
    };
    /**
     * @description Where a record stands against the SLA.
     * @enum {string}
     */
    SlaStatus: 'within_sla' | 'beyond_sla' | 'pending' | 'overdue' | 'closed' | 'unknown';
    /** @description The counts of `metrics/summary`. */
    SummaryKpis: {
      /**
       * Format: double
       * @description Mean turnaround of the range's reports; null when none has one.
       */
      average_tat_hours?: number | null;
      /**
       * Format: int64
       * @description Reports left out of turnaround figures for ending before they began.
       */
      negative_tat_excluded: number;
      /**
       * Format: int64
       * @description Reports with a turnaround over the SLA.
       */
      reports_beyond_sla: number;
      /**
       * Format: int64
       * @description Reports with a turnaround at or under the SLA.
       */
      reports_within_sla: number;
      /**
       * Format: int64
       * @description Customers with an order created in the range.
       */
      total_customers: number;
      /**
       * Format: int64
       * @description Tests reported in the range.
       */
      total_reports: number;
      /**
       * Format: int64
       * @description Samples created in the range.
       */
      total_samples: number;
      /**
       * Format: int64
       * @description Tests created in the range.
       */
      total_tests: number;
    };
    /** @description The response of `metrics/summary`. */
    SummaryResponse: {
      /** @description The counts. */
      kpis: components['schemas']['SummaryKpis'];
      /**
       * Format: date-time
       * @description When the mirror last wrote a visible record; null when empty.
       */
      last_updated_at?: string | null;
      /**
       * Format: date-time
       * @description First instant no longer counted; null when unbounded.
       */
      range_end?: string | null;
      /**
       * Format: date-time
       * @description First instant counted; null when unbounded.
       */
      range_start?: string | null;
    };
    /** @description The answer of `sync/health`. */
    SyncHealthResponse: {
      /**
       * Format: date-time
       * @description When this answer was computed; lags are measured from it.
       */
      checked_at: string;
      /** @description One row per entity, customers first. */
      entities: components['schemas']['EntitySyncHealth'][];
      /** @description Visible records set aside and not yet loaded, newest attempt first. */
      skipped: components['schemas']['SkippedRecordView'][];
      /**
       * Format: int64
       * @description How many visible records are set aside in all.
       */
      skipped_total: number;
    };
    /** @description The response of `metrics/sync/status`. */
    SyncStatusResponse: {
      /** @description The entity asked about, by its table name, such as `tests`. */
      entity: string;
      /**
       * Format: date-time
       * @description When its sync checkpoint last moved; null before the first sync.
       */
      updated_at?: string | null;
    };
    /** @description The response of `metrics/tests/tat-breakdown`. */
    TatBreakdownResponse: {
      /** @description One row per assay label, most reports first. */
      breakdown: components['schemas']['TatLabelStats'][];
    };
    /** @description One bucket of the turnaround distribution. */
    TatBucket: {
      /**
       * Format: int64
       * @description Reports whose turnaround falls in it.
       */
      count: number;
      /** @description The bucket, such as `24-48h` (upper bound included). */
      label: string;
    };
    /** @description Turnaround of the reports of one lab-zone day. */
    TatDailyPoint: {
      /**
       * Format: double
       * @description Mean turnaround in hours; null without reports.
       */
      average_hours?: number | null;
      /**
       * Format: int64
       * @description Reports over the SLA.
       */
      beyond_sla: number;
      /**
       * Format: date
       * @description The report day.
       */
      date: string;
      /**
       * Format: int64
       * @description Reports at or under the SLA.
       */
      within_sla: number;
    };
    /** @description The response of `metrics/tests/tat-daily`. */
    TatDailyResponse: {
      /**
       * @description Per day, the mean turnaround of the reports of the window's calendar
       *     days ending that day (within the range); null when the window is 0.
       */
      moving_average_hours?: components['schemas']['TatPoint'][] | null;
      /**
       * Format: int64
       * @description Reports left out for ending before they began.
       */
      negative_tat_excluded: number;
      /** @description One point per lab-zone day of the range, days without reports included. */
      points: components['schemas']['TatDailyPoint'][];
    };
    /**
     * @description How `tests/tat` groups its series.
     * @enum {string}
     */
    TatGrouping: 'day' | 'week';
    /** @description Turnaround statistics of one assay label. */
    TatLabelStats: {
      /**
       * Format: double
       * @description Mean turnaround in hours; null when no report has one.
       */
      average_hours?: number | null;
      /** @description The test's `label_abbr`, `UNKNOWN` when missing. */
      label: string;
      /**
       * Format: double
       * @description Median (interpolated).
       */
      median_hours?: number | null;
      /**
       * Format: int64
       * @description Reports left out for ending before they began.
       */
      negative_tat_excluded: number;
      /**
       * Format: double
       * @description 95th percentile (interpolated).
       */
      p95_hours?: number | null;
      /**
       * Format: int64
       * @description Reports whose turnaround counts.
       */
      total_tests: number;
    };
    /** @description Turnaround statistics of a set of reports. */
    TatMetrics: {
      /**
       * Format: double
       * @description Mean turnaround in hours; null for an empty set.
       */
      average_hours?: number | null;
      /**
       * Format: int64
       * @description Reports over the SLA.
       */
      completed_beyond_sla: number;
      /**
       * Format: int64
       * @description Reports at or under the SLA.
       */
      completed_within_sla: number;
      /**
       * Format: double
       * @description Median (interpolated); null for an empty set.
       */
      median_hours?: number | null;
      /**
       * Format: int64
       * @description Reports left out for ending before they began.
       */
      negative_tat_excluded: number;
      /**
       * Format: double
       * @description 95th percentile (interpolated); null for an empty set.
       */
      p95_hours?: number | null;
    };
    /** @description One period of a turnaround series. */
    TatPoint: {
      /**
       * Format: date
       * @description The period's first lab-zone day (a Monday for weeks).
       */
      period_start: string;
      /**
       * Format: double
       * @description Mean turnaround of the period's reports; null without any.
       */
      value?: number | null;
    };
    /** @description The response of `metrics/tests/tat`. */
    TatResponse: {
      /** @description How many turnarounds fall in each bucket, every bucket present. */
      distribution: components['schemas']['TatBucket'][];
      /** @description Statistics over the whole range. */
      metrics: components['schemas']['TatMetrics'];
      /** @description Mean turnaround per day or ISO week, periods without reports included. */
      series: components['schemas']['TatPoint'][];
    };
    /** @description A test's own fields. */
    TestDetail: {
      /**
       * Format: date-time
       * @description When it was created.
       */
      date_created?: string | null;
      /** @description Whether QBench has a report for it. */
      has_report: boolean;
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description Assay label. */
      label_abbr?: string | null;
      /**
       * Format: date-time
       * @description When its report was completed.
       */
      report_completed_date?: string | null;
      /**
       * Format: double
       * @description The SLA applied.
       */
      sla_hours: number;
      /** @description Where it stands against the SLA. */
      sla_status: components['schemas']['SlaStatus'];
      /** @description QBench state. */
      state?: string | null;
      /**
       * Format: double
       * @description Its turnaround in hours once reported.
       */
      tat_hours?: number | null;
      /** @description QBench worksheet data as stored. */
      worksheet_raw?: Record<string, never> | null;
    };
    /** @description The response of `entities/tests/{id}`. */
    TestDetailResponse: {
      /** @description Its visible batches, by id. */
      batches: components['schemas']['BatchRef'][];
      /** @description Its order and customer. */
      order: components['schemas']['OrderRef'];
      /** @description Its sample. */
      sample: components['schemas']['SampleRef'];
      /** @description The test. */
      test: components['schemas']['TestDetail'];
    };
    /** @description Totals of `metrics/tests/overview`. */
    TestKpis: {
      /**
       * Format: int64
       * @description Of those, tests neither completed nor reported whose state ended
       *     them (CANCELLED, NOT REPORTABLE); an addition to the earlier tool's
       *     answer, which counted them as pending.
       */
      closed_tests: number;
      /**
       * Format: int64
       * @description Of those, tests completed or reported.
       */
      completed_tests: number;
      /**
       * Format: int64
       * @description Of those, tests not completed and not closed.
       */
      pending_tests: number;
      /**
       * Format: int64
       * @description Tests created in the range.
       */
      total_tests: number;
    };
    /** @description A test as listed under its sample or order. */
    TestSummary: {
      /**
       * Format: date-time
       * @description When it was created.
       */
      date_created?: string | null;
      /** @description Whether QBench has a report for it. */
      has_report: boolean;
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description Assay label. */
      label_abbr?: string | null;
      /**
       * Format: date-time
       * @description When its report was completed.
       */
      report_completed_date?: string | null;
      /** @description Where it stands against the SLA. */
      sla_status: components['schemas']['SlaStatus'];
      /** @description QBench state. */
      state?: string | null;
      /**
       * Format: double
       * @description Its turnaround in hours once reported.
       */
      tat_hours?: number | null;
    };
    /** @description The response of `metrics/tests/overview`. */
    TestsOverviewResponse: {
      /** @description Those tests per assay label, most first. */
      by_label: components['schemas']['LabelCount'][];
      /** @description Those tests per state, most first. */
      by_state: components['schemas']['KeyCount'][];
      /** @description Totals of the tests created in the range. */
      kpis: components['schemas']['TestKpis'];
    };
    /** @description A customer's test counts in the range. */
    TopCustomer: {
      /**
       * Format: int32
       * @description QBench id.
       */
      id: number;
      /** @description Customer name. */
      name: string;
      /**
       * Format: int64
       * @description Tests created in the range.
       */
      tests: number;
      /**
       * Format: int64
       * @description Tests reported in the range.
       */
      tests_reported: number;
    };
    /** @description The response of `metrics/customers/top-tests`. */
    TopTestsResponse: {
      /** @description Customers with the most tests created in the range first. */
      customers: components['schemas']['TopCustomer'][];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  login: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['LoginRequest'];
      };
    };
    responses: {
      /** @description Logged in */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LoginResponse'];
        };
      };
      /** @description Malformed body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Refused */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body larger than 2 MiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  health: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Healthy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Health'];
        };
      };
      /** @description The database does not answer */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  order: {
    parameters: {
      query?: {
        /**
         * @description SLA in hours, more than 0 and at most 8760; the lab default
         *     (`SLA_HOURS`) when absent.
         */
        sla_hours?: number;
        /** @description List the order's samples (default true). */
        include_samples?: boolean;
        /** @description List each sample's tests (default false). */
        include_tests?: boolean;
      };
      header?: never;
      path: {
        /** @description The order's QBench id */
        id: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OrderDetailResponse'];
        };
      };
      /**
       * @description A query or path parameter is malformed; the message starts with its
       *     name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such record, or one deleted or hidden by the banlist. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  sample: {
    parameters: {
      query?: {
        /**
         * @description SLA in hours, more than 0 and at most 8760; the lab default
         *     (`SLA_HOURS`) when absent.
         */
        sla_hours?: number;
      };
      header?: never;
      path: {
        /** @description The sample's QBench id */
        id: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The sample */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SampleDetailResponse'];
        };
      };
      /**
       * @description A query or path parameter is malformed; the message starts with its
       *     name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such record, or one deleted or hidden by the banlist. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  test: {
    parameters: {
      query?: {
        /**
         * @description SLA in hours, more than 0 and at most 8760; the lab default
         *     (`SLA_HOURS`) when absent.
         */
        sla_hours?: number;
      };
      header?: never;
      path: {
        /** @description The test's QBench id */
        id: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The test */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TestDetailResponse'];
        };
      };
      /**
       * @description A query or path parameter is malformed; the message starts with its
       *     name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such record, or one deleted or hidden by the banlist. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  activity_daily: {
    parameters: {
      query?: {
        /** @description First day counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last day counted (whole day, lab zone). */
        date_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
        /** @description Also answer the period of equal length just before. */
        compare_previous?: boolean;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One row per lab day */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ActivityResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  common_filters: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Filter values */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CommonFiltersResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  new_customers: {
    parameters: {
      query?: {
        /** @description First day or instant counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last day (whole day, lab zone) or instant counted. */
        date_to?: string;
        /** @description How many customers to answer, 1 to 1000 (default 10). */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description New customers */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NewCustomersResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  top_tests: {
    parameters: {
      query?: {
        /** @description First day or instant counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last day (whole day, lab zone) or instant counted. */
        date_to?: string;
        /** @description How many customers to answer, 1 to 1000 (default 10). */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Customers by tests */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TopTestsResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  reports_overview: {
    parameters: {
      query?: {
        /** @description First day or instant counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last day (whole day, lab zone) or instant counted. */
        date_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
        /**
         * @description SLA in hours, more than 0 and at most 8760; the lab default
         *     (`SLA_HOURS`) when absent.
         */
        sla_hours?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Reports and their SLA split */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ReportsOverviewResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  samples_overview: {
    parameters: {
      query?: {
        /** @description First day or instant counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last day (whole day, lab zone) or instant counted. */
        date_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Sample counts */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SamplesOverviewResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  summary: {
    parameters: {
      query?: {
        /** @description First day or instant counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last day (whole day, lab zone) or instant counted. */
        date_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
        /**
         * @description SLA in hours, more than 0 and at most 8760; the lab default
         *     (`SLA_HOURS`) when absent.
         */
        sla_hours?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The range's headline figures */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SummaryResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  sync_status: {
    parameters: {
      query?: {
        /** @description The entity whose checkpoint to answer (default `tests`). */
        entity?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The entity's sync status */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SyncStatusResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  label_distribution: {
    parameters: {
      query?: {
        /** @description First day or instant counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last day (whole day, lab zone) or instant counted. */
        date_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Tests per label */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LabelDistributionResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  tests_overview: {
    parameters: {
      query?: {
        /** @description First creation day or instant counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last creation day (whole day, lab zone) or instant counted. */
        date_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
        /** @description Only tests in this batch. */
        batch_id?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Test counts */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TestsOverviewResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  tests_tat: {
    parameters: {
      query?: {
        /** @description First report day or instant counted (ISO date or date-time). */
        date_created_from?: string;
        /** @description Last report day (whole day, lab zone) or instant counted. */
        date_created_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
        /**
         * @description SLA in hours, more than 0 and at most 8760; the lab default
         *     (`SLA_HOURS`) when absent.
         */
        sla_hours?: number;
        /** @description Series per `day` (default) or `week`. */
        group_by?: components['schemas']['TatGrouping'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Turnaround statistics */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TatResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  tat_breakdown: {
    parameters: {
      query?: {
        /** @description First report day or instant counted (ISO date or date-time). */
        date_created_from?: string;
        /** @description Last report day (whole day, lab zone) or instant counted. */
        date_created_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Statistics per label */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TatBreakdownResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  tat_daily: {
    parameters: {
      query?: {
        /** @description First report day counted (ISO date or date-time). */
        date_from?: string;
        /** @description Last report day counted (whole day, lab zone). */
        date_to?: string;
        /** @description Only orders of this customer. */
        customer_id?: number;
        /** @description Only this order. */
        order_id?: number;
        /** @description Only orders in this state; empty means any. */
        state?: string;
        /**
         * @description SLA in hours, more than 0 and at most 8760; the lab default
         *     (`SLA_HOURS`) when absent.
         */
        sla_hours?: number;
        /** @description Calendar days in the moving average, 0 to 366 (default 7, 0 for none). */
        moving_average_window?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One point per report day */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TatDailyResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  sync_health: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The state of the sync */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SyncHealthResponse'];
        };
      };
      /**
       * @description A query parameter is malformed or out of range; the message starts
       *     with its name.
       */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No valid bearer token. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description The database failed; the body says nothing more. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /**
       * @description Every database connection stayed busy for the whole wait, or the
       *     database does not answer: retry later.
       */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
}
