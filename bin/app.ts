#!/usr/bin/env node
import { buildApp } from '../lib/zhili-app.ts';
import { addNagChecks } from '../lib/nag.ts';

const { app, stateful, stateless } = buildApp();
addNagChecks(app, stateful, stateless);
app.synth();
