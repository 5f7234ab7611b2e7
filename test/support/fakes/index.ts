// Fake vendor servers on 127.0.0.1 (see README.md beside this file).
export { FakeVendor, type Fault, type FaultRule, type FakeResponse, type RecordedCall } from './fake-vendor';
export { JiraFake, type JiraFakeOptions } from './jira.fake';
export { OpsgenieFake, type OpsgenieFakeOptions } from './opsgenie.fake';
export { SlackFake, type SlackFakeOptions } from './slack.fake';
export { StatuspageFake, type StatuspageFakeOptions } from './statuspage.fake';
export { ZendeskFake, type ZendeskFakeOptions } from './zendesk.fake';
