// Run as a child by cacheWriter.test.ts: a build whose index cache file goes
// to another thread (cacheWriter.ts), then this process killed at once, while
// that thread still writes (as a user's kill of a check would). Says on
// stdout, before the kill, whether the file went to that thread.
import * as fs from 'fs';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { IndexCache } from '../../engine/index/indexCache';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';

const [root, cacheDir] = process.argv.slice(2);
IndexCache.offThreadWords = 0;
const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue: loadCatalogue(), cacheDir });
idx.build();
fs.writeSync(1, String(idx.lastBuild?.cacheWrittenOffThread));
process.kill(process.pid, 'SIGKILL');
