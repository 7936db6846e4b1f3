export { createGitHubClient, type GitHubClientOptions } from './client.js';
export { GitHubError, isGitHubError } from '../../app/github-port.js';
