export { createGitHubClient, type GitHubClientOptions } from './client.js';
export { GitHubError, isGitHubError } from '../../app/ports/github.js';
