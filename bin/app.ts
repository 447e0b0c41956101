#!/usr/bin/env node
import { addNagChecks } from '../lib/nag.ts';
import { buildApp } from '../lib/zhili-app.ts';

const { app, stateful, stateless } = buildApp();
addNagChecks(app, stateful, stateless);
app.synth();
