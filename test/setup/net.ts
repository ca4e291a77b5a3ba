// Every test file: no network beyond the loopback interface.
import nock from 'nock';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
